import type { AppLoadContext } from '@remix-run/node';
import type { CourseHtmlSegment } from './course-html.tsx';
import type { Segment } from './render.server.tsx';

export type DataSegment = Exclude<Segment, { type: 'html' }> | CourseHtmlSegment;

/**
 * Segments as loader data. On a page request (the load context has `courseHtml`) the HTML goes to
 * the page only and the data keeps its key (app/content/course-html.tsx says how the browser gets
 * it back); on a data request the HTML stays in the data.
 */
export function segmentsForData(segments: Segment[], context: AppLoadContext): DataSegment[] {
  const page = context.courseHtml;
  if (!page) return segments;
  return segments.map((segment) => {
    if (segment.type !== 'html') return segment;
    page.set(segment.key, segment.html);
    return { type: 'html', key: segment.key, html: null };
  });
}
