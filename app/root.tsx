import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, Links, Meta, NavLink, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from '@remix-run/react';
import type { ReactNode } from 'react';
import { getSessionUser } from './auth/session.server.ts';
import { takeFlash } from './utils/flash.server.ts';
import { hasRole } from './auth/policy.server.ts';
import { errorTitle, GeneralErrorBoundary } from './components/error-boundary.tsx';
import { useNonce } from './utils/nonce.tsx';
import stylesheet from './styles/app.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesheet },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = ({ error }) => [{ title: error ? errorTitle(error) : 'Kindred' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const [user, { flash, headers }] = await Promise.all([getSessionUser(request), takeFlash(request)]);
  return data(
    {
      user: user
        ? {
            name: user.name,
            canCoach: hasRole(user, 'coach'),
            canLead: hasRole(user, 'leader'),
            isPlatformAdmin: user.isPlatformAdmin,
          }
        : null,
      flash,
    },
    { headers },
  );
}

/** What the last post did, said once on the page it redirected to (app/utils/flash.server.ts). */
function FlashMessage() {
  const flash = useRouteLoaderData<typeof loader>('root')?.flash;
  if (!flash) return null;
  return (
    <div className="alert alert--success flash" role="status">
      <p>{flash.message}</p>
      {flash.link ? <p className="token-box">{flash.link}</p> : null}
    </div>
  );
}

export function useOptionalUser() {
  return useRouteLoaderData<typeof loader>('root')?.user ?? null;
}

function SiteHeader() {
  const user = useOptionalUser();
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to={user ? '/learn' : '/'} className="brand">
          Kindred
        </Link>
        {user ? (
          <nav aria-label="Main">
            <ul className="nav-list">
              <li>
                <NavLink to="/learn">Learn</NavLink>
              </li>
              <li>
                <NavLink to="/courses">Courses</NavLink>
              </li>
              {user.canCoach ? (
                <li>
                  <NavLink to="/coach">Coach</NavLink>
                </li>
              ) : null}
              {user.canLead ? (
                <li>
                  <NavLink to="/lead">Lead</NavLink>
                </li>
              ) : null}
              {user.isPlatformAdmin ? (
                <li>
                  <NavLink to="/admin">Admin</NavLink>
                </li>
              ) : null}
              {user.canLead || user.isPlatformAdmin ? (
                <li>
                  <NavLink to="/audit">Audit</NavLink>
                </li>
              ) : null}
              <li>
                <NavLink to="/account">Account</NavLink>
              </li>
            </ul>
          </nav>
        ) : null}
        {user ? (
          <Form method="post" action="/sign-out" className="sign-out">
            <span className="muted">{user.name}</span>{' '}
            <button type="submit" className="button button--quiet">
              Sign out
            </button>
          </Form>
        ) : (
          <Link to="/sign-in" className="button button--quiet">
            Sign in
          </Link>
        )}
      </div>
    </header>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en-GB">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a href="#main" className="skip-link">
          Skip to main content
        </a>
        <SiteHeader />
        <main id="main" tabIndex={-1}>
          <FlashMessage />
          {children}
        </main>
        <footer className="site-footer">
          <p>Kindred: professional learning for teachers.</p>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
