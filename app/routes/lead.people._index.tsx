import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { ROLES } from '#db/schema.ts';
import { ledOrganisationIds, requireLeaderOf, requireRole } from '#app/auth/permissions.server.ts';
import { DuplicateEmailError, inviteMember } from '#app/models/accounts.server.ts';
import { listMembers, listOrganisationsByIds } from '#app/models/organisations.server.ts';
import { pendingInvitations } from '#app/models/invitation-status.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { Field, FormError, RoleCheckboxes, SelectField } from '#app/components/forms.tsx';
import { emailField, parseForm, requiredText, readForm } from '#app/utils/forms.ts';
import { getEnv } from '#app/utils/env.server.ts';

export const meta: MetaFunction = () => [{ title: 'People – Kindred' }];

const addMemberSchema = z.object({
  organisationId: z.coerce.number({ message: 'Choose a school' }).int().positive('Choose a school'),
  name: requiredText('their name', 120),
  email: emailField,
  roles: z.array(z.enum(ROLES as [string, ...string[]], { message: 'Choose teacher, coach or leader' })).min(1, 'Choose at least one role'),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, 'leader');
  const orgIds = await ledOrganisationIds(user);
  const [organisations, members, pending] = await Promise.all([listOrganisationsByIds(orgIds), listMembers(orgIds), pendingInvitations(orgIds)]);
  const invitationText = new Map(
    pending.map((p) => [`${p.organisationId}-${p.userId}`, `Invited: link expires ${formatDate(p.expiresAt)}${p.emailFailed ? ' (the email could not be delivered)' : p.emailedAt ? ' (emailed)' : ' (email being sent)'}`]),
  );
  return json({ organisations, members: members.map((m) => ({ ...m, invitationText: invitationText.get(`${m.organisationId}-${m.userId}`) ?? null })) });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, 'leader');
  const parsed = parseForm(addMemberSchema, await readForm(request, ['roles']), ['roles']);
  if (!parsed.success) return json({ fieldErrors: parsed.fieldErrors, invitation: null }, { status: 400 });
  const { organisationId, name, email, roles } = parsed.data;
  await requireLeaderOf(user, organisationId);
  try {
    const token = await inviteMember(organisationId, { name, email, roles: roles as typeof ROLES[number][] }, user.id);
    return json({ fieldErrors: {}, invitation: { name, email, link: `${getEnv().PUBLIC_URL}/invitations/${token}` } });
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      return json({ fieldErrors: { email: 'Someone already has an account with that email address' }, invitation: null }, { status: 400 });
    }
    throw error;
  }
}

export default function People() {
  const { organisations, members } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  return (
    <div>
      <p>
        <Link to="/lead">Back to the dashboard</Link>
      </p>
      <h1>People</h1>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Everyone in the organisations you lead</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">School</th>
              <th scope="col">Roles</th>
              <th scope="col">Account</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={`${m.organisationId}-${m.userId}`}>
                <th scope="row">
                  <Link to={`/lead/people/${m.userId}`}>{m.name}</Link>
                </th>
                <td>{m.organisationName}</td>
                <td>{m.roles.join(', ')}</td>
                <td>{m.deactivated ? 'Deactivated' : m.invitationPending ? (m.invitationText ?? 'Invitation expired: open their page to send a new one') : 'Active'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="add-person">Add a person</h2>
      {actionData?.invitation ? (
        <div className="alert alert--success" role="status">
          <p>
            {actionData.invitation.name} has been added and an invitation is on its way to {actionData.invitation.email}. If it does not arrive, give them this link; it works once, for 7 days:
          </p>
          <p className="token-box">{actionData.invitation.link}</p>
        </div>
      ) : null}
      <FormError message={Object.keys(errors).length ? 'Check the details below.' : null} />
      <Form method="post" className="stack" noValidate aria-labelledby="add-person">
        <SelectField label="School" name="organisationId" options={organisations.map((o) => ({ value: o.id, label: o.name }))} error={errors.organisationId} />
        <Field label="Name" name="name" autoComplete="off" error={errors.name} />
        <Field label="Email address" name="email" type="email" autoComplete="off" error={errors.email} />
        <RoleCheckboxes error={errors.roles} />
        <div>
          <button type="submit" className="button">
            Add person and create invitation
          </button>
        </div>
      </Form>
    </div>
  );
}
