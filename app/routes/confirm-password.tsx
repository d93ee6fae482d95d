import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { markPasswordConfirmed, requireUser } from '#app/auth/session.server.ts';
import { confirmOwnPassword } from '#app/models/accounts.server.ts';
import { Field } from '#app/components/forms.tsx';
import { SsoButtons } from '#app/components/sso-buttons.tsx';
import { configuredProviders } from '#app/auth/sso.server.ts';
import { parseForm, readForm } from '#app/utils/forms.ts';
import { clientAddress, safeRedirectPath } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Confirm your password – Kindred' }];

const confirmSchema = z.object({
  password: z.string({ message: 'Enter your password' }).min(1, 'Enter your password').max(200, 'That password is too long'),
  redirectTo: z.string().optional(),
});

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return { providers: configuredProviders().map((p) => ({ id: p.id, label: p.label })) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const parsed = parseForm(confirmSchema, await readForm(request));
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors }, { status: 400 });
  const checked = await confirmOwnPassword(user, parsed.data.password, clientAddress(context));
  if (!checked.ok) return data({ fieldErrors: { password: checked.message } }, { status: checked.retryAt ? 429 : 400 });
  await markPasswordConfirmed(user);
  return redirect(safeRedirectPath(parsed.data.redirectTo, '/account'));
}

export default function ConfirmPassword() {
  const actionData = useActionData<typeof action>();
  const { providers } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  return (
    <div className="stack">
      <h1>Confirm your password</h1>
      <p>This changes what other people can do or see, so Kindred asks for your password again. Then you go back to the page and can do it again; for the next 15 minutes Kindred will not ask again.</p>
      <Form method="post" className="stack" noValidate>
        <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? ''} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required error={actionData?.fieldErrors.password} />
        <div>
          <button type="submit" className="button">
            Confirm
          </button>
        </div>
      </Form>
      {providers.length > 0 ? (
        <section className="stack" aria-labelledby="confirm-with-school">
          <h2 id="confirm-with-school">Or sign in again with your school account</h2>
          <SsoButtons providers={providers} redirectTo={searchParams.get('redirectTo') ?? ''} verb="Confirm" />
        </section>
      ) : null}
    </div>
  );
}
