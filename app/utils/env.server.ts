import { z } from 'zod';

const DEVELOPMENT_SESSION_SECRET = 'development-only-secret-do-not-use-in-production';

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_PATH: z.string().min(1).default('./data/kindred.db'),
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
    return {
      ...raw,
      TRUST_PROXY: trustProxy,
      SESSION_SECRET: sessionSecret,
      PUBLIC_URL: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, ''),
      isProduction: raw.NODE_ENV === 'production',
    };
  });

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
