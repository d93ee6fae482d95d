import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { createSession, endSession, loadMemberships } from '#app/auth/session.server.ts';
import { clearSsoCookie, completeSignIn, findProvider } from '#app/auth/sso.server.ts';
import { recordAudit } from '#app/models/audit.server.ts';
import { resolveSsoAccount } from '#app/models/sso.server.ts';
import { clientAddress, notFound, safeRedirectPath } from '#app/utils/http.server.ts';

// The provider sends the browser back here with a GET (OpenID Connect's redirect): the one GET
// that signs someone in. It is safe because it only completes the attempt this browser started,
// once, with its state, nonce and PKCE verifier (docs/decisions/014-single-sign-on.md).
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const provider = findProvider(params.provider ?? '');
  if (!provider) throw notFound();
  const address = clientAddress(context);
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  headers.append('Set-Cookie', clearSsoCookie());
  const refused = (reason: string) => redirect(`/sign-in?sso=${reason}&provider=${provider.id}`, { headers });

  const result = await completeSignIn(provider, request);
  if (!result.ok) {
    await recordAudit({ event: 'sso_sign_in_refused', address, detail: { provider: provider.id, reason: result.reason, detail: result.detail.slice(0, 300) } });
    return refused(result.reason);
  }
  const account = await resolveSsoAccount(provider, result.claims, address);
  if (!account.ok) return refused(account.reason);

  // As with a password: a new token, and any session this browser had before is ended.
  await endSession(request);
  headers.append('Set-Cookie', await createSession(account.userId, { userAgent: request.headers.get('user-agent'), address }));
  const coaches = (await loadMemberships(account.userId)).some((m) => m.roles.includes('coach'));
  return redirect(safeRedirectPath(result.redirectTo, coaches ? '/coach' : '/learn'), { headers });
}
