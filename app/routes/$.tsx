import type { MetaFunction } from '@remix-run/node';
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx';
import { notFound } from '#app/utils/http.server.ts';

export const meta: MetaFunction = () => [{ title: 'Page not found – Kindred' }];

// Every address no other route claims: the ordinary 404 page.
export async function loader() {
  throw notFound();
}

export default function NotFound() {
  return <GeneralErrorBoundary />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
