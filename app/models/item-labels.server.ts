import { findCourse, findModule } from '#app/content/catalogue.server.ts';
import { loadModule } from '#app/content/modules.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import type { StepSummary } from './practice.server.ts';

/** Course title, module title and the prompt of a reflection or an action step, for showing it out of its page. */
export async function describeModuleItem(courseSlug: string, moduleSlug: string, itemId: string) {
  const course = findCourse(courseSlug);
  const module = course ? findModule(course, moduleSlug) : null;
  let prompt = itemId;
  if (course && module) {
    const loaded = await loadModule(course, module);
    if (loaded.ok) {
      const item = loaded.items.find((i) => i.id === itemId);
      prompt = item && 'prompt' in item ? item.prompt : itemId;
    }
  }
  return {
    courseTitle: course?.meta.title ?? courseSlug,
    moduleTitle: module?.meta?.title ?? moduleSlug,
    prompt,
    href: course && module ? `/courses/${course.slug}/${module.slug}#item-${itemId}` : null,
  };
}

/** Action steps as lists show them: what, where from, and when the follow-up is. */
export async function describeSteps(steps: StepSummary[]) {
  return Promise.all(
    steps.map(async (step) => {
      const label = await describeModuleItem(step.ref.courseSlug, step.ref.moduleSlug, step.ref.itemId);
      return {
        id: step.id,
        what: step.what,
        className: step.className,
        state: step.state,
        followUpOnText: formatDate(`${step.followUpOn}T12:00:00Z`),
        shared: step.shared,
        unreadNotes: step.unreadNotes,
        courseTitle: label.courseTitle,
        moduleTitle: label.moduleTitle,
        moduleHref: label.href,
      };
    }),
  );
}
