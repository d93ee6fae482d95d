import { flatRoutes } from '@remix-run/fs-routes';
import type { RouteConfig } from '@remix-run/route-config';

// The routes are the files in app/routes/, by Remix's flat-routes naming, as before v3_routeConfig
// (remix.config.js). React Router v7 reads this same file.
export default flatRoutes({
  // Server-only modules and tests sit next to routes but are never routes themselves.
  ignoredRouteFiles: ['**/.*', '**/*.server.ts', '**/*.server.tsx', '**/*.test.ts', '**/*.test.tsx'],
}) satisfies RouteConfig;
