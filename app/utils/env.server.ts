import path from 'node:path';
import { z } from 'zod';

const DEVELOPMENT_SESSION_SECRET = 'development-only-secret-do-not-use-in-production';

const base64url = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url');
const ed25519Jwk = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: base64url });

/** A variable holding JSON that must match `schema`; one message for any way it can be wrong. */
function jsonOf<T extends z.ZodType>(schema: T, message: string) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
    })
    .pipe(z.unknown().refine((value) => schema.safeParse(value).success, message).transform((value) => schema.parse(value) as z.output<T>));
}

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_PATH: z.string().min(1).default('./data/kindred.db'),
    // PostgreSQL instead of the SQLite file when set (docs/decisions/016-postgresql-and-scale-out.md).
    DATABASE_URL: z
      .url({ message: 'must be a URL such as postgres://kindred:password@db.example.org/kindred' })
      .refine((value) => /^postgres(ql)?:\/\//i.test(value), 'must start with postgres:// or postgresql://')
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    SESSION_SECRET: z.string().optional(),
    PUBLIC_URL: z.url({ message: 'must be a full URL such as https://cpd.example.org' }).optional(),
    COURSES_PATH: z.string().min(1).default('./courses'),
    CONTENT_CACHE_PATH: z.string().min(1).default('./data/content-cache'),
    SLOW_QUERY_MS: z.coerce.number().int().min(0).default(100),
    SEED_DEMO_DATA: z.enum(['auto', 'never']).default('auto'),
    /**
     * Which proxies in front of Kindred to believe about the client's address (X-Forwarded-For):
     * unset or "false" for none, a number of hops, or addresses/subnets ("loopback, 10.0.0.0/8").
     */
    TRUST_PROXY: z
      .string()
      .trim()
      .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/,\s]+|loopback|linklocal|uniquelocal|[a-z, ]+)$/, { message: 'must be false, true, a number of hops, or a list of proxy addresses' })
      .optional(),
    // Email (docs/decisions/012-email-outbox.md): SMTP when SMTP_URL is set, .eml files otherwise.
    SMTP_URL: z
      .url({ message: 'must be a URL such as smtps://user:password@smtp.example.org' })
      .refine((value) => /^smtps?:\/\//i.test(value), 'must start with smtp:// or smtps://')
      .optional(),
    MAIL_FROM: z.string().max(200).optional(),
    MAIL_OUTBOX_PATH: z.string().min(1).optional(),
    MAIL_WORKER: z.enum(['on', 'off']).default('on'),
    MAIL_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(2000),
    // How long a claimed message is held before another worker may take it (after a crash).
    MAIL_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(2 * 60 * 1000),
    MAIL_RETRY_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    MAIL_SCHEDULE_MS: z.coerce.number().int().min(1000).max(86_400_000).default(15 * 60 * 1000),
    // Single sign-on (docs/decisions/014-single-sign-on.md): each provider only when configured.
    MICROSOFT_CLIENT_ID: z.string().trim().max(200).optional(),
    MICROSOFT_CLIENT_SECRET: z.string().max(500).optional(),
    GOOGLE_CLIENT_ID: z.string().trim().max(300).optional(),
    GOOGLE_CLIENT_SECRET: z.string().max(500).optional(),
    OIDC_ISSUER: z.url({ message: 'must be the provider’s issuer URL, such as https://login.example.org' }).optional(),
    OIDC_CLIENT_ID: z.string().trim().max(300).optional(),
    OIDC_CLIENT_SECRET: z.string().max(500).optional(),
    OIDC_NAME: z.string().trim().max(60).optional(),
    // Open Badges credentials (docs/decisions/015-credentials-and-data-rights.md).
    CREDENTIAL_SIGNING_KEY: jsonOf(ed25519Jwk.extend({ d: base64url }), 'must be a private Ed25519 JWK as JSON: {"kty":"OKP","crv":"Ed25519","x":"…","d":"…"}').optional(),
    CREDENTIAL_PREVIOUS_KEYS: jsonOf(z.array(ed25519Jwk), 'must be a JSON array of public Ed25519 JWKs: [{"kty":"OKP","crv":"Ed25519","x":"…"}]').optional(),
    // How often people deactivated longer than their organisation's retention period are erased.
    RETENTION_SWEEP_MS: z.coerce.number().int().min(1000).max(7 * 86_400_000).default(6 * 60 * 60 * 1000),
  })
  .transform((raw, ctx) => {
    if (raw.SESSION_SECRET === undefined && raw.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required in production (32 characters or more)' });
      return z.NEVER;
    }
    const sessionSecret = raw.SESSION_SECRET ?? DEVELOPMENT_SESSION_SECRET;
    if (sessionSecret.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'must be at least 32 characters' });
      return z.NEVER;
    }
    const trustProxy: boolean | number | string = raw.TRUST_PROXY === undefined || raw.TRUST_PROXY === 'false' ? false : raw.TRUST_PROXY === 'true' ? true : /^\d+$/.test(raw.TRUST_PROXY) ? Number(raw.TRUST_PROXY) : raw.TRUST_PROXY;
    const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, '');
    const mailFrom = raw.MAIL_FROM ?? `Kindred <no-reply@${defaultMailDomain(publicUrl)}>`;
    const fromProblem = mailFromProblem(mailFrom);
    if (fromProblem) {
      ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: fromProblem });
      return z.NEVER;
    }
    if (raw.SMTP_URL && raw.MAIL_FROM === undefined && raw.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'is required with SMTP_URL in production, e.g. "Kindred <cpd@school.org.uk>"' });
      return z.NEVER;
    }
    const providerProblem = ssoProblem(raw);
    if (providerProblem) {
      ctx.addIssue({ code: 'custom', path: [providerProblem.variable], message: providerProblem.message });
      return z.NEVER;
    }
    return {
      ...raw,
      TRUST_PROXY: trustProxy,
      SESSION_SECRET: sessionSecret,
      PUBLIC_URL: publicUrl,
      MAIL_FROM: mailFrom,
      // Beside the database unless set, so every test database gets its own outbox.
      MAIL_OUTBOX_PATH: raw.MAIL_OUTBOX_PATH ?? path.join(path.dirname(raw.DATABASE_PATH), 'outbox'),
      isProduction: raw.NODE_ENV === 'production',
    };
  });

/** A provider half-configured is a mistake to name at start-up, not a button that fails later. */
type SsoVariable = 'MICROSOFT_CLIENT_ID' | 'MICROSOFT_CLIENT_SECRET' | 'GOOGLE_CLIENT_ID' | 'GOOGLE_CLIENT_SECRET' | 'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'OIDC_NAME';

function ssoProblem(raw: { [name in SsoVariable]?: string } & { NODE_ENV: string }): { variable: string; message: string } | null {
  const pairs: [SsoVariable, SsoVariable][] = [
    ['MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET'],
    ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'],
    ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'],
  ];
  for (const [id, secret] of pairs) {
    if (raw[id] && !raw[secret]) return { variable: secret, message: `is required with ${id}` };
    if (raw[secret] && !raw[id]) return { variable: id, message: `is required with ${secret}` };
  }
  const generic = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_NAME'] as const;
  const missing = generic.find((name) => !raw[name]);
  if (missing && generic.some((name) => raw[name])) return { variable: missing, message: `is required with ${generic.filter((name) => raw[name]).join(' and ')}` };
  if (raw.OIDC_ISSUER && raw.NODE_ENV === 'production' && !raw.OIDC_ISSUER.startsWith('https://')) return { variable: 'OIDC_ISSUER', message: 'must start with https:// in production' };
  return null;
}

/** The public host, or a reserved name when it is an IP address or a single label such as localhost. */
function defaultMailDomain(publicUrl: string): string {
  const host = new URL(publicUrl).hostname;
  return /\.[a-z]{2,}$/i.test(host) ? host : 'kindred.invalid';
}

/** Why MAIL_FROM cannot be used: it must be `Name <address>` or an address, on one line. */
function mailFromProblem(value: string): string | null {
  if (/[\r\n]/.test(value)) return 'must be on one line';
  const address = /<([^<>]+)>\s*$/.exec(value)?.[1] ?? value.trim();
  return z.email().safeParse(address).success ? null : 'must be an address, or a name and an address like "Kindred <cpd@school.org.uk>"';
}

export type Env = z.output<typeof envSchema>;

export class ConfigError extends Error {}

/** Parses configuration; a bad value becomes one readable line naming the variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty variable means "not set", as it does in most shells' `VAR= command`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path.join('.') || 'environment';
    throw new ConfigError(`Invalid configuration: ${name}: ${issue?.message ?? "is invalid"}`);
  }
  return result.data;
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
