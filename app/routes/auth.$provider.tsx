import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { z } from 'zod';
import { beginSignIn, findProvider, SsoUnavailable } from '#app/auth/sso.server.ts';
import { parseForm, readForm } from '#app/utils/forms.ts';
import { notFound, safeRedirectPath } from '#app/utils/http.server.ts';

// Starting a single sign-on writes the attempt's state, so it is a POST from the sign-in page
// (our Origin check applies); a GET only goes back to the sign-in page.
export async function loader() {
  return redirect('/sign-in');
}

const schema = z.object({ redirectTo: z.string().max(2000).optional() });

export async function action({ request, params }: ActionFunctionArgs) {
  const provider = findProvider(params.provider ?? '');
  if (!provider) throw notFound();
  const parsed = parseForm(schema, await readForm(request));
  const redirectTo = safeRedirectPath(parsed.success ? parsed.data.redirectTo : undefined, '');
  try {
    const { location, cookie } = await beginSignIn(provider, redirectTo);
    return redirect(location, { headers: { 'Set-Cookie': cookie, 'Cache-Control': 'no-store' } });
  } catch (error) {
    if (!(error instanceof SsoUnavailable)) throw error;
    console.error(error.message);
    return redirect(`/sign-in?sso=unavailable&provider=${provider.id}`);
  }
}
