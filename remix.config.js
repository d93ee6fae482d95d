/**
 * The Remix options, in one place. `vite.config.ts` passes them to the Remix Vite plugin; see
 * docs/decisions/003-remix-config-split.md for why they live here and not inline in Vite's file.
 * @type {import('@remix-run/dev').VitePluginConfig}
 */
export default {
  appDirectory: 'app',
  buildDirectory: 'build',
  serverModuleFormat: 'esm',
  // Server-only modules and tests sit next to routes but are never routes themselves.
  ignoredRouteFiles: ['**/.*', '**/*.server.ts', '**/*.server.tsx', '**/*.test.ts', '**/*.test.tsx'],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
