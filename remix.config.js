/**
 * The Remix options, in one place. `vite.config.ts` passes them to the Remix Vite plugin; see
 * docs/decisions/003-remix-config-split.md for why they live here and not inline in Vite's file.
 * @type {import('@remix-run/dev').VitePluginConfig}
 */
export default {
  appDirectory: 'app',
  buildDirectory: 'build',
  serverModuleFormat: 'esm',
  // Which files are routes: app/routes.ts (v3_routeConfig).
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
    v3_routeConfig: true,
  },
};
