import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { endSession, getSessionUser } from '#app/auth/session.server.ts';
import { recordAudit } from '#app/models/audit.server.ts';
import { clientAddress } from '#app/utils/http.server.ts';

// Signing out changes state, so it is a POST only; a GET just goes home.
export async function loader() {
  return redirect('/');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await getSessionUser(request);
  const cookie = await endSession(request);
  if (user) await recordAudit({ event: 'sign_out', actorUserId: user.id, subjectUserId: user.id, address: clientAddress(context) });
  // The home page says so: signing out on a shared staffroom computer should feel certain.
  return redirect('/?signedOut=1', { headers: { 'Set-Cookie': cookie } });
}
