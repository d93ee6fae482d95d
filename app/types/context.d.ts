import '@remix-run/node';

declare module '@remix-run/node' {
  interface AppLoadContext {
    cspNonce: string;
    clientAddress: string;
    /**
     * Only on a page (document) request: course HTML that the page renders but its loader data
     * leaves out, so it is sent once (app/content/course-html.server.ts).
     */
    courseHtml?: Map<string, string>;
    /** Whether a page rendered from the same URL and data may be served from memory (not under Vite). */
    keepRenderedPages?: boolean;
  }
  // Single fetch (remix.config.js): loaders return plain objects or data(), and the types of
  // useLoaderData are what the loader returned (Dates stay Dates), not their JSON.
  interface Future {
    v3_singleFetch: true;
  }
}
