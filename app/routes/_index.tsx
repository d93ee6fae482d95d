import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { getSessionUser } from '#app/auth/session.server.ts';

export const meta: MetaFunction = () => [
  { title: 'Kindred – professional learning for teachers' },
  { name: 'description', content: 'Short online courses for teachers on disadvantage, SEND, kindness and working with families.' },
];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getSessionUser(request)) throw redirect('/learn');
  return null;
}

export default function Index() {
  return (
    <div className="stack">
      <h1>Professional learning that fits a teacher&rsquo;s week</h1>
      <p>
        Kindred brings short, evidence-informed courses to schools: teaching disadvantaged learners well, inclusion and SEND in
        the mainstream classroom, a culture of kindness and mutuality, and working in partnership with parents and carers.
      </p>
      <p>
        Coaches follow the teachers they support and answer their reflections; leaders see their staff&rsquo;s progress at a
        glance; every finished course gives a certificate anyone can check.
      </p>
      <p className="page-actions">
        <Link to="/sign-in" className="button">
          Sign in
        </Link>
        <Link to="/courses" className="button button--quiet">
          Browse the courses
        </Link>
      </p>
    </div>
  );
}
