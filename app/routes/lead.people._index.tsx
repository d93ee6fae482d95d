import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useLocation } from '@remix-run/react';
import { z } from 'zod';
import { ROLES } from '#db/schema.ts';
import { ledOrganisationIds, requireLeaderOf, requireRole } from '#app/auth/policy.server.ts';
import { DuplicateEmailError, inviteMember } from '#app/models/accounts.server.ts';
import { listMembers, ledOrganisations } from '#app/models/organisations.server.ts';
import { pendingInvitations } from '#app/models/invitation-status.server.ts';
import { redirectWithFlash } from '#app/utils/flash.server.ts';
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
  const viewer = await requireRole(request, 'leader');
  const url = new URL(request.url);
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
  const schoolParam = Number(url.searchParams.get('school'));
  const [organisations, all, pending] = await Promise.all([
    ledOrganisations(viewer),
    listMembers(viewer, Number.isSafeInteger(schoolParam) && schoolParam > 0 ? { organisationId: schoolParam } : {}),
    ledOrganisationIds(viewer).then((ids) => pendingInvitations(ids)),
  ]);
  const invitationText = new Map(
    pending.map((p) => [`${p.organisationId}-${p.userId}`, `Invited: link expires ${formatDate(p.expiresAt)}${p.emailFailed ? ' (the email could not be delivered)' : p.emailedAt ? ' (emailed)' : ' (email being sent)'}`]),
  );
  // Searched and paged on the server: at trust scale the whole list is thousands of rows.
  const needle = q.toLowerCase();
  const matching = needle ? all.filter((m) => m.name.toLowerCase().includes(needle) || m.email.includes(needle)) : all;
  const pages = Math.max(1, Math.ceil(matching.length / PEOPLE_PAGE_SIZE));
  const page = Math.min(Math.max(1, Number(url.searchParams.get('page')) || 1), pages);
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (schoolParam > 0) params.set('school', String(schoolParam));
  return {
    organisations,
    members: matching.slice((page - 1) * PEOPLE_PAGE_SIZE, page * PEOPLE_PAGE_SIZE).map((m) => ({ ...m, invitationText: invitationText.get(`${m.organisationId}-${m.userId}`) ?? null })),
    total: matching.length,
    page,
    pages,
    q,
    school: schoolParam > 0 ? schoolParam : null,
    filterQueryString: params.toString(),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, 'leader');
  const parsed = parseForm(addMemberSchema, await readForm(request, ['roles']), ['roles']);
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, invitation: null }, { status: 400 });
  const { organisationId, name, email, roles } = parsed.data;
  await requireLeaderOf(user, organisationId);
  try {
    const token = await inviteMember(user, organisationId, { name, email, roles: roles as typeof ROLES[number][] });
    return redirectWithFlash('/lead/people#add-person', {
      message: `${name} has been added and an invitation is on its way to ${email}. If it does not arrive, give them this link; it works once, for 7 days:`,
      link: `${getEnv().PUBLIC_URL}/invitations/${token}`,
    });
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      // Say so only when the person is already here; whether an address is used elsewhere is not this leader's to learn.
      const here = (await listMembers(user, { organisationId })).some((m) => m.email === email);
      return data({ fieldErrors: { email: here ? 'This person is already a member here: find them in the list below' : 'This email address cannot be added here' }, invitation: null }, { status: 400 });
    }
    throw error;
  }
}

const PEOPLE_PAGE_SIZE = 100;

export default function People() {
  const { organisations, members, total, page, pages, q, school, filterQueryString } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  // After someone is added the page is a new location, and the form starts empty.
  const { key: formKey } = useLocation();
  const errors: Record<string, string | undefined> = actionData?.fieldErrors ?? {};
  return (
    <div>
      <p>
        <Link to="/lead">Back to the dashboard</Link>
      </p>
      <h1>People</h1>
      <Form method="get" className="filters" aria-label="Find people">
        <Field label="Name or email" name="q" type="search" defaultValue={q} />
        {organisations.length > 1 ? <SelectField label="School" name="school" emptyOption="All schools" defaultValue={school ?? ''} options={organisations.map((o) => ({ value: o.id, label: o.name }))} /> : null}
        <div>
          <button type="submit" className="button">
            Find
          </button>
        </div>
      </Form>
      <p>
        {total.toLocaleString('en-GB')} {total === 1 ? 'person' : 'people'}
        {pages > 1 ? `; page ${page} of ${pages}` : ''}.
      </p>
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
      {pages > 1 ? (
        <nav aria-label="Pages" className="page-actions">
          {page > 1 ? <Link to={`/lead/people?${filterQueryString}&page=${page - 1}`}>Previous page</Link> : null}
          {page < pages ? <Link to={`/lead/people?${filterQueryString}&page=${page + 1}`}>Next page</Link> : null}
        </nav>
      ) : null}

      <h2 id="add-person">Add a person</h2>
      <FormError message={Object.keys(errors).length ? 'Check the details below.' : null} />
      <Form key={formKey} method="post" className="stack" noValidate aria-labelledby="add-person">
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
