import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { newPasswordSchema, passwordWeakness } from '#app/auth/password.server.ts';
import { createSession, endSession } from '#app/auth/session.server.ts';
import { acceptInvitation, findInvitation } from '#app/models/accounts.server.ts';
import { Field, FormError } from '#app/components/forms.tsx';
import { parseForm, requiredText, readForm } from '#app/utils/forms.ts';
import { clientAddress } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Your invitation – Kindred' }];

const acceptSchema = z
  .object({
    name: requiredText('your name', 120),
    password: newPasswordSchema,
    confirmPassword: z.string({ message: 'Enter the password again' }),
  })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'The two passwords do not match' });

export async function loader({ params }: LoaderFunctionArgs) {
  const invitation = await findInvitation(params.token ?? '');
  if (invitation.status === 'valid') {
    return { status: 'valid' as const, name: invitation.name, email: invitation.email, organisationName: invitation.organisationName };
  }
  if (invitation.status === 'unknown') return data({ status: 'unknown' as const }, { status: 404 });
  if (invitation.status === 'withdrawn') return data({ status: 'withdrawn' as const, organisationName: invitation.organisationName, invitedByName: null }, { status: 410 });
  return data({ status: invitation.status, organisationName: invitation.organisationName, invitedByName: invitation.invitedByName }, { status: 410 });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const invitation = await findInvitation(params.token ?? '');
  if (invitation.status !== 'valid') return data({ fieldErrors: {}, formError: 'This invitation can no longer be used.' }, { status: 410 });
  const parsed = parseForm(acceptSchema, await readForm(request));
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, formError: null }, { status: 400 });
  const weakness = await passwordWeakness(parsed.data.password, { name: parsed.data.name, email: invitation.email });
  if (weakness) return data({ fieldErrors: { password: weakness }, formError: null }, { status: 400 });
  const accepted = await acceptInvitation(invitation.invitationId, invitation.userId, parsed.data.name, parsed.data.password);
  if (!accepted) return data({ fieldErrors: {}, formError: 'This invitation has just been used or has expired.' }, { status: 410 });
  const headers = new Headers();
  await endSession(request);
  headers.append('Set-Cookie', await createSession(invitation.userId, { userAgent: request.headers.get('user-agent'), address: clientAddress(context) }));
  return redirect('/learn', { headers });
}

export default function Invitation() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  if (data.status === 'unknown') {
    return (
      <div className="stack">
        <h1>This invitation link does not work</h1>
        <p>Check that you copied the whole link. If it still does not work, ask the leader at your school who invited you for a new one.</p>
      </div>
    );
  }
  if (data.status !== 'valid') {
    return (
      <div className="stack">
        <h1>{data.status === 'expired' ? 'This invitation has expired' : data.status === 'withdrawn' ? 'This invitation has been withdrawn' : 'This invitation has already been used'}</h1>
        <p>
          {data.status === 'expired'
            ? 'Invitation links last for 7 days. '
            : 'If you set your password already, sign in with your email address. '}
          Ask {data.invitedByName ?? 'a leader'} at {data.organisationName} for a new invitation if you need one.
        </p>
        <p>
          <a href="/sign-in">Go to sign in</a>
        </p>
      </div>
    );
  }
  return (
    <div className="stack">
      <h1>Welcome to Kindred</h1>
      <p>
        You have been invited to join <strong>{data.organisationName}</strong> as <strong>{data.email}</strong>. Check your name
        and choose a password.
      </p>
      <FormError message={actionData?.formError} />
      <Form method="post" className="stack" noValidate>
        <Field label="Your name" name="name" defaultValue={data.name} autoComplete="name" error={errors.name} />
        <Field
          label="Choose a password"
          name="password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters. A short sentence you will remember works well."
          error={errors.password}
        />
        <Field label="The password again" name="confirmPassword" type="password" autoComplete="new-password" error={errors.confirmPassword} />
        <div>
          <button type="submit" className="button">
            Set password and continue
          </button>
        </div>
      </Form>
    </div>
  );
}
