import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

// A real OpenID Connect provider (oidc-provider) inside the test process, with one client
// registered for the Kindred server under test. Who signs in next is chosen by the test: the
// provider's login step completes at once as `nextAccount`, and consent is already given.

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** A Microsoft-style tenant id claim. */
  tid?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The account the next authorisation signs in as. */
  nextAccount: string;
  close(): Promise<void>;
}

export async function startTestProvider(options: { redirectUris: string[]; accounts: Record<string, TestAccount> }): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state = { nextAccount: Object.keys(options.accounts)[0] ?? '' };
  const clientId = 'kindred-test';
  const clientSecret = 'kindred-test-secret-of-enough-length';

  // A signing key of its own, published at the provider's JWKS, which Kindred checks ID tokens against.
  const signingKey = { ...crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };
  const configuration: Configuration = {
    jwks: { keys: [signingKey] },
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: options.redirectUris, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
    claims: { openid: ['sub', 'tid'], email: ['email', 'email_verified'], profile: ['name'] },
    // As Microsoft and Google do: the claims asked for by scope are in the ID token itself.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const account = options.accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      provider
        .interactionFinished(req, res, { login: { accountId: state.nextAccount } }, { mergeWithLastSubmission: false })
        .catch((error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        });
      return;
    }
    void handle(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    get nextAccount() {
      return state.nextAccount;
    },
    set nextAccount(value: string) {
      state.nextAccount = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
