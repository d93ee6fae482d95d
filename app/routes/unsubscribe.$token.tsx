import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';

import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { readUnsubscribeToken, setPreferences } from '#app/mail/preferences.server.ts';
import type { PreferenceCategory } from '#app/mail/templates.tsx';
import { readForm } from '#app/utils/forms.ts';
import { notFound } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Stop these emails – Kindred' }];

// The link in every optional email (RFC 8058). It works signed out: the token is signed for one
// person and one kind of email. GET only asks; POST (from the form, or from the mail provider's
// one-click button with the body List-Unsubscribe=One-Click) turns the emails off.

const WHAT: Record<PreferenceCategory, string> = {
  assignments: 'emails about courses assigned to you',
  reminders: 'reminders about due dates, overdue courses and action-step follow-ups',
  coaching: 'emails when someone you coach shares a reflection or an action step, or writes on one',
  leader_digest: 'the weekly summary for leaders',
};

function readToken(token: string | undefined) {
  const target = readUnsubscribeToken(token ?? '');
  if (!target) throw notFound('This link does not work. Choose your emails on your account page instead.');
  return target;
}

export async function loader({ params }: LoaderFunctionArgs) {
  const { category } = readToken(params.token);
  return { what: WHAT[category] };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { userId, category } = readToken(params.token);
  await readForm(request);
  await setPreferences(userId, { [category]: false });
  return { done: true };
}

export default function Unsubscribe() {
  const { what } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  if (actionData?.done) {
    return (
      <div className="stack">
        <h1>You will not get these emails any more</h1>
        <p role="status">We have stopped {what}.</p>
        <p>
          You can turn them back on, and choose your other emails, on <Link to="/account#emails">your account page</Link>.
        </p>
      </div>
    );
  }
  return (
    <div className="stack">
      <h1>Stop these emails?</h1>
      <p>This stops {what} for your account. Emails you need to sign in, such as password reset links, still come.</p>
      <Form method="post">
        <button type="submit" className="button">
          Stop these emails
        </button>
      </Form>
      <p>
        <Link to="/account#emails">Choose your emails on your account page</Link>
      </p>
    </div>
  );
}
