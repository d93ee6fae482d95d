import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { newPasswordSchema, passwordWeakness } from '#app/auth/password.server.ts';
import { endSession } from '#app/auth/session.server.ts';
import { completePasswordReset, findPasswordReset } from '#app/models/password-resets.server.ts';
import { Field, FormError } from '#app/components/forms.tsx';
import { parseForm, readForm } from '#app/utils/forms.ts';
import { clientAddress } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Choose a new password – Kindred' }];

const schema = z
  .object({
    password: newPasswordSchema,
    confirmPassword: z.string({ message: 'Enter the new password again' }),
  })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'The two passwords do not match' });

export async function loader({ params }: LoaderFunctionArgs) {
  const reset = await findPasswordReset(params.token ?? '');
  if (reset.status === 'valid') return { status: 'valid' as const, email: reset.email };
  return data({ status: reset.status }, { status: reset.status === 'unknown' ? 404 : 410 });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const reset = await findPasswordReset(params.token ?? '');
  if (reset.status !== 'valid') return data({ fieldErrors: {}, formError: 'This link can no longer be used. Ask for a new one.' }, { status: 410 });
  const parsed = parseForm(schema, await readForm(request));
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, formError: null }, { status: 400 });
  const weakness = await passwordWeakness(parsed.data.password, { name: reset.name, email: reset.email });
  if (weakness) return data({ fieldErrors: { password: weakness }, formError: null }, { status: 400 });
  if (!(await completePasswordReset(reset.resetId, reset.userId, parsed.data.password, clientAddress(context)))) {
    return data({ fieldErrors: {}, formError: 'This link has just been used or has expired. Ask for a new one.' }, { status: 410 });
  }
  // Every session of the account has ended, this browser's too: sign in with the new password.
  return redirect('/sign-in?reset=1', { headers: { 'Set-Cookie': await endSession(request) } });
}

export default function ResetPassword() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  if (data.status !== 'valid') {
    return (
      <div className="stack">
        <h1>{data.status === 'expired' ? 'This link has expired' : data.status === 'used' ? 'This link has already been used' : 'This link does not work'}</h1>
        <p>Reset links work once, for one hour. {data.status === 'unknown' ? 'Check that you copied the whole link, or ask for a new one.' : 'Ask for a new one if you still need it.'}</p>
        <p>
          <Link to="/forgot-password">Ask for a new reset link</Link>
        </p>
      </div>
    );
  }
  return (
    <div className="stack">
      <h1>Choose a new password</h1>
      <p>
        For <strong>{data.email}</strong>. When you save it, you are signed out everywhere and can sign in with the new password.
      </p>
      <FormError message={actionData?.formError} />
      <Form method="post" className="stack" noValidate>
        <Field
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters. A short sentence you will remember works well."
          error={errors.password}
        />
        <Field label="New password again" name="confirmPassword" type="password" autoComplete="new-password" error={errors.confirmPassword} />
        <div>
          <button type="submit" className="button">
            Save new password
          </button>
        </div>
      </Form>
    </div>
  );
}
