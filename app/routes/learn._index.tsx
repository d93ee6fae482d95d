import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server.ts';

export const meta: MetaFunction = () => [{ title: 'My learning – Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return json({ name: user.name });
}

export default function Learn() {
  const { name } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1>My learning</h1>
      <p>Welcome, {name}.</p>
      <p>
        <Link to="/courses">Browse the courses</Link>
      </p>
    </div>
  );
}
