import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { requireRecentPassword } from '#app/auth/session.server.ts';
import { requirePlatformAdmin } from '#app/auth/policy.server.ts';
import { DuplicateEmailError, renewInvitation } from '#app/models/accounts.server.ts';
import { pendingLeaderInvitations } from '#app/models/invitation-status.server.ts';
import { findUserIdByEmail, sendPasswordResetFor } from '#app/models/password-resets.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { badRequest, notFound, orNotFound } from '#app/utils/http.server.ts';
import { createOrganisationWithLeader, listOrganisations, listTrusts } from '#app/models/organisations.server.ts';
import { Field, FormError } from '#app/components/forms.tsx';
import { emailField, parseForm, requiredText, readForm } from '#app/utils/forms.ts';
import { getEnv } from '#app/utils/env.server.ts';

export const meta: MetaFunction = () => [{ title: 'Organisations – Kindred admin' }];

const createSchema = z.object({
  name: requiredText('the organisation’s name', 160),
  kind: z.enum(['school', 'trust'], { message: 'Choose school or trust' }),
  trustId: z
    .string()
    .optional()
    .transform((v) => (v ? Number(v) : null))
    .pipe(z.number().int().positive().nullable()),
  leaderName: requiredText('the leader’s name', 120),
  leaderEmail: emailField,
});

const resetSchema = z.object({ intent: z.literal('reset'), email: emailField });

const resendSchema = z.object({ intent: z.literal('resend'), userId: z.coerce.number().int().positive(), organisationId: z.coerce.number().int().positive() });

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requirePlatformAdmin(request);
  const [organisations, trusts, invitations] = await Promise.all([listOrganisations(admin), listTrusts(), pendingLeaderInvitations()]);
  return json({ organisations, trusts, invitations: invitations.map((i) => ({ ...i, expiresText: i.expiresAt ? formatDate(i.expiresAt) : null })) });
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requirePlatformAdmin(request);
  const formData = await readForm(request);
  if (formData.get('intent') === 'reset') {
    const parsedReset = parseForm(resetSchema, formData);
    if (!parsedReset.success) return json({ fieldErrors: parsedReset.fieldErrors, created: null, resent: null, reset: null }, { status: 400 });
    const userId = await findUserIdByEmail(parsedReset.data.email);
    const outcome = userId === null ? 'not-found' : await sendPasswordResetFor(admin, userId);
    if (outcome === 'not-found') return json({ fieldErrors: { email: 'No one who can sign in has that email address' }, created: null, resent: null, reset: null }, { status: 400 });
    return json({ fieldErrors: {}, created: null, resent: null, reset: outcome === 'sent' ? `A reset link is on its way to ${parsedReset.data.email}. It works once, for one hour.` : 'Three reset links went to that address in the last hour. Wait a while before sending another.' });
  }
  if (formData.get('intent') === 'resend') {
    const parsedResend = parseForm(resendSchema, formData);
    if (!parsedResend.success) throw badRequest('Choose an invitation to send again.');
    const pending = (await pendingLeaderInvitations()).find((i) => i.userId === parsedResend.data.userId && i.organisationId === parsedResend.data.organisationId);
    if (!pending) throw notFound();
    const token = await orNotFound(renewInvitation(admin, pending.userId, pending.organisationId));
    if (!token) throw badRequest('This leader has already set a password; they can sign in.');
    return json({ fieldErrors: {}, created: null, resent: { name: pending.name, link: `${getEnv().PUBLIC_URL}/invitations/${token}` } });
  }
  requireRecentPassword(request, admin);
  const parsed = parseForm(createSchema, formData);
  if (!parsed.success) return json({ fieldErrors: parsed.fieldErrors, created: null }, { status: 400 });
  const { name, kind, trustId, leaderName, leaderEmail } = parsed.data;
  if (kind === 'trust' && trustId !== null) {
    return json({ fieldErrors: { trustId: 'A trust cannot belong to another trust' }, created: null }, { status: 400 });
  }
  if (trustId !== null && !(await listTrusts()).some((t) => t.id === trustId)) {
    return json({ fieldErrors: { trustId: 'Choose a trust from the list' }, created: null }, { status: 400 });
  }
  try {
    const { token } = await createOrganisationWithLeader({ name, kind, trustId }, { name: leaderName, email: leaderEmail }, admin);
    return json({ fieldErrors: {}, created: { name, leaderName, link: `${getEnv().PUBLIC_URL}/invitations/${token}` } });
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      return json({ fieldErrors: { leaderEmail: 'Someone already has an account with that email address' }, created: null }, { status: 400 });
    }
    throw error;
  }
}

export default function Admin() {
  const { organisations, trusts, invitations } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { fieldErrors: Record<string, string>; created: { name: string; leaderName: string; link: string } | null; resent?: { name: string; link: string } } | undefined;
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  const resetMessage = actionData && 'reset' in actionData && typeof actionData.reset === 'string' ? actionData.reset : null;
  const resetAnswered = actionData !== undefined && 'reset' in actionData;
  return (
    <div>
      <h1>Organisations</h1>
      <p>
        <a href="/admin/data">Personal data: retention periods and erasure</a>
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Trust</th>
              <th scope="col">Members</th>
            </tr>
          </thead>
          <tbody>
            {organisations.map((o) => (
              <tr key={o.id}>
                <th scope="row">{o.name}</th>
                <td>{o.kind}</td>
                <td>{o.trustName ?? '—'}</td>
                <td>{o.memberCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="leader-invitations">Leaders who have not yet accepted their invitation</h2>
      {actionData?.resent ? (
        <div className="alert alert--success" role="status">
          <p>A new invitation is on its way to {actionData.resent.name}; the old link no longer works. If it does not arrive, give them this link; it works once, for 7 days:</p>
          <p className="token-box">{actionData.resent.link}</p>
        </div>
      ) : null}
      {invitations.length === 0 ? (
        <p>None: every leader has set a password.</p>
      ) : (
        <ul>
          {invitations.map((i) => (
            <li key={`${i.organisationId}-${i.userId}`}>
              {i.name} ({i.email}), {i.organisationName}: {i.expiresText ? `link expires ${i.expiresText}` : 'link expired'}
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="resend" />
                <input type="hidden" name="userId" value={i.userId} />
                <input type="hidden" name="organisationId" value={i.organisationId} />{' '}
                <button type="submit" className="button button--quiet">
                  Email a new invitation<span className="visually-hidden"> to {i.name}</span>
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      <h2 id="reset-link">Send someone a password reset link</h2>
      {resetMessage ? (
        <p className="alert alert--success" role="status">
          {resetMessage}
        </p>
      ) : null}
      <Form method="post" className="stack" noValidate aria-labelledby="reset-link">
        <input type="hidden" name="intent" value="reset" />
        <Field label="Their email address" name="email" type="email" autoComplete="off" error={resetAnswered ? errors.email : undefined} />
        <div>
          <button type="submit" className="button">
            Email them a reset link
          </button>
        </div>
      </Form>
      <h2 id="new-organisation">Add an organisation</h2>
      {actionData?.created ? (
        <div className="alert alert--success" role="status">
          <p>
            {actionData.created.name} is ready, and an invitation is on its way to {actionData.created.leaderName}. If it does not arrive,
            give them this link to set their password; it works once, for 7 days:
          </p>
          <p className="token-box">{actionData.created.link}</p>
        </div>
      ) : null}
      <FormError message={Object.keys(errors).length ? 'Check the details below.' : null} />
      <Form method="post" className="stack" noValidate aria-labelledby="new-organisation">
        <Field label="Name" name="name" error={errors.name} />
        <div className="field">
          <label htmlFor="kind">Kind</label>
          <select id="kind" name="kind" defaultValue="school">
            <option value="school">School</option>
            <option value="trust">Trust</option>
          </select>
          {errors.kind ? <p className="field-error">{errors.kind}</p> : null}
        </div>
        <div className="field">
          <label htmlFor="trustId">Part of a trust (schools only)</label>
          <select id="trustId" name="trustId" defaultValue="" aria-invalid={errors.trustId ? true : undefined}>
            <option value="">No trust</option>
            {trusts.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          {errors.trustId ? <p className="field-error">{errors.trustId}</p> : null}
        </div>
        <Field label="First leader’s name" name="leaderName" error={errors.leaderName} />
        <Field label="First leader’s email address" name="leaderEmail" type="email" error={errors.leaderEmail} />
        <div>
          <button type="submit" className="button">
            Create organisation and invitation
          </button>
        </div>
      </Form>
    </div>
  );
}
