import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { courseStatuses } from './progress.server.ts';

export interface HomeCourse {
  slug: string;
  title: string;
  summary: string;
  cpdHours: number;
  moduleCount: number;
  percent: number;
  continueSlug: string | null;
  completedAtText: string | null;
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
    const base = { slug: course.slug, title: course.meta.title, summary: course.meta.summary, cpdHours: course.meta.cpdHours, moduleCount: course.modules.length };
    if (status.state === 'in-progress') {
      const known = course.modules.some((m) => m.slug === status.lastModuleSlug);
      inProgress.push({ ...base, percent: status.percent, continueSlug: known ? status.lastModuleSlug : course.modules[0]!.slug, completedAtText: null });
    } else if (status.state === 'completed') {
      completed.push({ ...base, percent: 100, continueSlug: null, completedAtText: formatDate(status.completedAt) });
    } else {
      notStarted.push({ ...base, percent: 0, continueSlug: null, completedAtText: null });
    }
  }
  inProgress.sort((a, b) => b.percent - a.percent);
  return { inProgress, notStarted, completed };
}
