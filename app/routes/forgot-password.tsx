import type { ActionFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { requestPasswordReset } from '#app/models/password-resets.server.ts';
import { configuredProviders } from '#app/auth/sso.server.ts';
import { Field } from '#app/components/forms.tsx';
import { emailField, parseForm, readForm } from '#app/utils/forms.ts';
import { clientAddress } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Forgotten your password? – Kindred' }];

const schema = z.object({ email: emailField });

// Every answer takes at least this long, so how long it took does not tell whether the address
// has an account (the email itself is only queued; the worker sends it later).
const ANSWER_AFTER_MS = 400;

export async function loader() {
  return { schoolSignIn: configuredProviders().length > 0 };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const started = Date.now();
  const parsed = parseForm(schema, await readForm(request));
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, sentTo: null }, { status: 400 });
  await requestPasswordReset(parsed.data.email, clientAddress(context));
  const wait = ANSWER_AFTER_MS - (Date.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return { fieldErrors: {}, sentTo: parsed.data.email };
}

export default function ForgotPassword() {
  const actionData = useActionData<typeof action>();
  const { schoolSignIn } = useLoaderData<typeof loader>();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  if (actionData?.sentTo) {
    return (
      <div className="stack">
        <h1>Check your email</h1>
        <p role="status">
          If <strong>{actionData.sentTo}</strong> belongs to a Kindred account, we have sent it a link to choose a new password. The link
          works once, for one hour.
        </p>
        <p>If nothing arrives within a few minutes, check your junk folder, or ask a leader at your school to send you a reset link.</p>
        {schoolSignIn ? (
          <p>
            If your school signs you in with its own account (such as Microsoft or Google), no link is sent: use that button on the{' '}
            <Link to="/sign-in">sign-in page</Link> instead.
          </p>
        ) : null}
        <p>
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </div>
    );
  }
  return (
    <div className="stack">
      <h1>Forgotten your password?</h1>
      <p>Enter the email address you sign in with. We will send you a link to choose a new password.</p>
      <Form method="post" className="stack" noValidate>
        <Field label="Email address" name="email" type="email" autoComplete="username" required error={errors.email} />
        <div>
          <button type="submit" className="button">
            Send me a reset link
          </button>
        </div>
      </Form>
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </div>
  );
}
