import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { requireLeaderOf, requireRole } from '#app/auth/policy.server.ts';
import { createGroup, GroupNameTakenError, listGroups, NotACoachError } from '#app/models/groups.server.ts';
import { listMembers, ledOrganisations } from '#app/models/organisations.server.ts';
import { Field, SelectField } from '#app/components/forms.tsx';
import { parseForm, requiredText, readForm } from '#app/utils/forms.ts';

export const meta: MetaFunction = () => [{ title: 'Coaching groups – Kindred' }];

const groupSchema = z.object({
  organisationId: z.coerce.number({ message: 'Choose a school' }).int().positive('Choose a school'),
  name: requiredText('a name for the group', 100),
  coachUserId: z.coerce.number({ message: 'Choose a coach' }).int().positive('Choose a coach'),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const [groups, organisations, members] = await Promise.all([listGroups(viewer, 'leader'), ledOrganisations(viewer), listMembers(viewer)]);
  return {
    groups,
    organisations,
    coaches: members.filter((m) => m.roles.includes('coach') && !m.deactivated).map((m) => ({ userId: m.userId, label: `${m.name} (${m.organisationName})` })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const viewer = await requireRole(request, 'leader');
  const parsed = parseForm(groupSchema, await readForm(request));
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors }, { status: 400 });
  const { organisationId, name, coachUserId } = parsed.data;
  await requireLeaderOf(viewer, organisationId);
  try {
    const groupId = await createGroup(viewer, organisationId, name, coachUserId);
    return redirect(`/lead/groups/${groupId}`);
  } catch (error) {
    if (error instanceof NotACoachError) return data({ fieldErrors: { coachUserId: 'Choose a coach from this school' } }, { status: 400 });
    if (error instanceof GroupNameTakenError) return data({ fieldErrors: { name: 'This school already has a group with that name' } }, { status: 400 });
    throw error;
  }
}

export default function Groups() {
  const { groups, organisations, coaches } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const deleted = searchParams.get('deleted');
  const actionData = useActionData<typeof action>();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  return (
    <div>
      <p>
        <Link to="/lead">Staff progress</Link>
      </p>
      <h1>Coaching groups</h1>
      {deleted ? (
        <p className="alert alert--success" role="status">
          {deleted.slice(0, 100)} is deleted; its assignments are withdrawn.
        </p>
      ) : null}
      {groups.length === 0 ? (
        <p>No groups yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">School</th>
              <th scope="col">Coach</th>
              <th scope="col" className="numeric">
                Members
              </th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.id}>
                <th scope="row">
                  <Link to={`/lead/groups/${g.id}`}>{g.name}</Link>
                </th>
                <td>{g.organisationName}</td>
                <td>{g.coachName ?? 'No coach'}</td>
                <td className="numeric">{g.memberCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="new-group">New group</h2>
      <Form method="post" className="stack" noValidate aria-labelledby="new-group">
        <SelectField label="School" name="organisationId" options={organisations.map((o) => ({ value: o.id, label: o.name }))} error={errors.organisationId} />
        <Field label="Name" name="name" error={errors.name} hint="For example: Year 7 tutors, or Early career teachers." />
        <SelectField label="Coach" name="coachUserId" options={coaches.map((c) => ({ value: c.userId, label: c.label }))} error={errors.coachUserId} />
        <div>
          <button type="submit" className="button">
            Create group
          </button>
        </div>
      </Form>
    </div>
  );
}
