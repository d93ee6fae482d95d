import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { membershipsWithRole, requireRole } from '#app/auth/permissions.server.ts';

export const meta: MetaFunction = () => [{ title: 'Coaching – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, 'coach');
  return json({ schools: membershipsWithRole(user, 'coach').map((m) => m.organisationName) });
}

export default function Coach() {
  const { schools } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1>Coaching</h1>
      <p>You coach at {schools.join(' and ')}.</p>
    </div>
  );
}
