import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { ledOrganisationIds, requireRole } from '#app/auth/permissions.server.ts';
import { getMemberForLeader } from '#app/models/organisations.server.ts';
import { notFound } from '#app/utils/http.server.ts';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.name ?? 'Person'} – Kindred` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireRole(request, 'leader');
  const personId = Number(params.userId);
  if (!Number.isSafeInteger(personId) || personId <= 0) throw notFound();
  const memberships = await getMemberForLeader(personId, await ledOrganisationIds(user));
  const first = memberships[0];
  if (!first) throw notFound();
  return json({ name: first.name, email: first.email, memberships });
}

export default function Person() {
  const { name, email, memberships } = useLoaderData<typeof loader>();
  return (
    <div>
      <p>
        <Link to="/lead/people">All people</Link>
      </p>
      <h1>{name}</h1>
      <p>{email}</p>
      <h2>Schools and roles</h2>
      <ul>
        {memberships.map((m) => (
          <li key={m.organisationId}>
            {m.organisationName}: {m.roles.join(', ')}
            {m.deactivated ? ' (deactivated)' : ''}
            {m.invitationPending ? ' (invitation not yet accepted)' : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}
