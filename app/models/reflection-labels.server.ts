import { findCourse, findModule } from '#app/content/catalogue.server.ts';
import { loadModule, reflectionsOf } from '#app/content/modules.server.ts';

/** Course title, module title and the reflection's prompt, for showing a reflection out of its page. */
export async function describeReflection(courseSlug: string, moduleSlug: string, itemId: string) {
  const course = findCourse(courseSlug);
  const module = course ? findModule(course, moduleSlug) : null;
  let prompt = itemId;
  if (course && module) {
    const loaded = await loadModule(course, module);
    if (loaded.ok) prompt = reflectionsOf(loaded.items).find((r) => r.id === itemId)?.prompt ?? itemId;
  }
  return {
    courseTitle: course?.meta.title ?? courseSlug,
    moduleTitle: module?.meta?.title ?? moduleSlug,
    prompt,
    href: course && module ? `/courses/${course.slug}/${module.slug}#item-${itemId}` : null,
  };
}
