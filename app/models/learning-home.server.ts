import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { continueModuleSlug, courseStatuses, type ModuleStatus } from './progress.server.ts';

export interface HomeCourse {
  slug: string;
  title: string;
  summary: string;
  cpdHours: number;
  moduleCount: number;
  percent: number;
  continueSlug: string | null;
  completedAtText: string | null;
  /** Each module in order with its state, for progress you can see at a glance. */
  modules: { title: string; status: ModuleStatus; minutes: number }[];
  /** About how long the unfinished modules take. */
  minutesLeft: number;
}

/** A learner's courses in the order of what to do next: in progress, not started, completed. */
export async function learnerCourses(userId: number): Promise<{ inProgress: HomeCourse[]; notStarted: HomeCourse[]; completed: HomeCourse[] }> {
  const { courses } = getCourseIndex();
  const statuses = await courseStatuses(userId, courses);
  const inProgress: HomeCourse[] = [];
  const notStarted: HomeCourse[] = [];
  const completed: HomeCourse[] = [];
  for (const course of courses) {
    const status = statuses[course.slug]!;
    const done = new Set(status.state === 'in-progress' ? status.completedSlugs : status.state === 'completed' ? course.modules.map((m) => m.slug) : []);
    const modules = course.modules.map((m) => ({
      title: m.meta?.title ?? m.slug,
      minutes: m.meta?.minutes ?? 0,
      status: (done.has(m.slug) ? 'completed' : status.state === 'in-progress' && m.slug === status.lastModuleSlug ? 'in-progress' : 'not-started') as ModuleStatus,
    }));
    const minutesLeft = modules.filter((m) => m.status !== 'completed').reduce((sum, m) => sum + m.minutes, 0);
    const base = { slug: course.slug, title: course.meta.title, summary: course.meta.summary, cpdHours: course.meta.cpdHours, moduleCount: course.modules.length, modules, minutesLeft };
    if (status.state === 'in-progress') {
      const continueSlug = continueModuleSlug(
        course.modules.map((m) => m.slug),
        status.completedSlugs,
        status.lastModuleSlug,
      );
      inProgress.push({ ...base, percent: status.percent, continueSlug, completedAtText: null });
    } else if (status.state === 'completed') {
      completed.push({ ...base, percent: 100, continueSlug: null, completedAtText: formatDate(status.completedAt) });
    } else {
      notStarted.push({ ...base, percent: 0, continueSlug: null, completedAtText: null });
    }
  }
  inProgress.sort((a, b) => b.percent - a.percent);
  return { inProgress, notStarted, completed };
}
