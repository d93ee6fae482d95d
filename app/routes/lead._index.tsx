import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { ledOrganisationIds, requireRole } from '#app/auth/permissions.server.ts';
import { listOrganisationsByIds } from '#app/models/organisations.server.ts';

export const meta: MetaFunction = () => [{ title: 'Lead – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, 'leader');
  return json({ organisations: await listOrganisationsByIds(await ledOrganisationIds(user)) });
}

export default function Lead() {
  const { organisations } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1>Lead</h1>
      <p>You lead {organisations.map((o) => o.name).join(', ')}.</p>
      <p>
        <Link to="/lead/people">People</Link>
      </p>
    </div>
  );
}
