import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { Link, useSearchParams } from '@remix-run/react';
import { getSessionUser } from '#app/auth/session.server.ts';

export const meta: MetaFunction = () => [
  { title: 'Kindred – professional learning for teachers' },
  { name: 'description', content: 'Short online courses for teachers on disadvantage, SEND, kindness and working with families, with coaching and certificates.' },
];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getSessionUser(request)) throw redirect('/learn');
  return null;
}

const AUDIENCES = [
  {
    id: 'teachers',
    title: 'For teachers',
    points: [
      'Modules of about 45 minutes you can finish in an evening, on a phone or a laptop.',
      'Reflections that stay private unless you share them with your coach.',
      'Knowledge checks with explanations, and a certificate the moment you finish.',
      'A CPD log for the year, with the training you did elsewhere.',
    ],
  },
  {
    id: 'coaches',
    title: 'For coaches and mentors',
    points: [
      'Assign a course to the teachers you support, with a date to aim for.',
      'See how far each of them has got, without chasing.',
      'Read the reflections they choose to share, and answer them.',
    ],
  },
  {
    id: 'leaders',
    title: 'For leaders',
    points: [
      'Your staff’s completion at a glance, and what is overdue.',
      'Import your staff list; send invitations in one go.',
      'Reports for governors, and certificates anyone can check.',
    ],
  },
];

export default function Index() {
  const [searchParams] = useSearchParams();
  return (
    <div className="landing">
      {searchParams.get('signedOut') ? (
        <p className="alert alert--success" role="status">
          You have signed out. See you next time.
        </p>
      ) : null}
      <section className="hero" aria-labelledby="hero-title">
        <p className="hero__eyebrow">Kindred · professional learning for schools</p>
        <h1 id="hero-title">Professional learning that fits a teacher&rsquo;s week</h1>
        <p className="hero__lead">
          Short, evidence-informed courses on teaching disadvantaged learners well, inclusion and SEND in the mainstream classroom, a culture of
          kindness and mutuality, and working in partnership with parents and carers.
        </p>
        <p className="page-actions">
          <Link to="/sign-in" className="button button--large">
            Sign in
          </Link>
          <Link to="/courses" className="button button--quiet button--large">
            Browse the courses
          </Link>
        </p>
      </section>
      <ul className="audience-list">
        {AUDIENCES.map((audience) => (
          <li key={audience.id} className={`audience audience--${audience.id}`}>
            <h2>{audience.title}</h2>
            <ul>
              {audience.points.map((point) => (
                <li key={point}>{point}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      <section aria-labelledby="how-title" className="how">
        <h2 id="how-title">How a course works</h2>
        <ol className="steps">
          <li>
            <strong>Read</strong> a module of about 45 minutes, with classroom scenarios and the research behind them.
          </li>
          <li>
            <strong>Reflect</strong> on your own class in a few lines, and check what you have understood.
          </li>
          <li>
            <strong>Finish</strong> the course and your certificate and CPD hours are recorded at once.
          </li>
        </ol>
        <p className="muted">New to Kindred? Your school sends you an invitation link. If you have lost it, ask a leader at your school for a new one.</p>
      </section>
    </div>
  );
}
