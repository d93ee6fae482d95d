import { createContext, useContext } from 'react';

// Course HTML is sent once. A page (document) request renders it into the page but leaves it out
// of the loader data that the page also carries for hydration; the browser reads it back from the
// page. Data requests (client-side navigation, revalidation) have no page to read, so their data
// carries it. Keys are made from the content's hash (render.server.tsx), so a key read once in the
// browser always stands for the same HTML.

/** A piece of course HTML as the loader data carries it: `html` is null when the page has it. */
export type CourseHtmlSegment = { type: 'html'; key: string; html: string | null };

/** On the server, for one page request: the HTML the loaders left out of their data, by key. */
export const CourseHtmlContext = createContext<Map<string, string> | null>(null);

const seenInBrowser = new Map<string, string>();

function readFromPage(key: string): string {
  const element = document.querySelector(`[data-course-html="${CSS.escape(key)}"]`);
  return element?.innerHTML ?? '';
}

export function CourseHtml({ segment }: { segment: CourseHtmlSegment }) {
  const onServer = useContext(CourseHtmlContext);
  let html: string;
  if (typeof document === 'undefined') {
    html = segment.html ?? onServer?.get(segment.key) ?? '';
  } else {
    // What the browser first had for this key, so revalidating never swaps the same text in again.
    html = seenInBrowser.get(segment.key) ?? segment.html ?? readFromPage(segment.key);
    if (html) seenInBrowser.set(segment.key, html);
  }
  return <div className="prose" data-course-html={segment.key} dangerouslySetInnerHTML={{ __html: html }} />;
}
