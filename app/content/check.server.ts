import { getCourseIndex, type CourseEntry } from './catalogue.server.ts';
import { compileFile } from './modules.server.ts';
import { MdxCompileError, type CompiledMdx } from './compile.server.ts';
import type { ContentProblem } from './schemas.ts';

export interface CheckOptions {
  /** Kindred's own rules for a published module (length, scenario, reflections, one check...). */
  editorial: boolean;
  /** Today, for the review-age rule (tests pass a fixed day). */
  today?: Date;
}

export interface CheckReport {
  courses: number;
  modules: number;
  problems: ContentProblem[];
  /** Worth a look but not a failure (a review due soon). */
  warnings: ContentProblem[];
}

const EDITORIAL = { minWords: 1200, maxWords: 2000, minQuestions: 3, maxQuestions: 5 };
/** A module's facts age: a warning after a year, a failure after eighteen months. */
const REVIEW_WARN_MONTHS = 12;
const REVIEW_FAIL_MONTHS = 18;

/** Compiles every course file and reports every problem, with file and line where there is one. */
export async function checkCourses(options: CheckOptions): Promise<CheckReport> {
  const index = getCourseIndex();
  const problems: ContentProblem[] = [...index.problems];
  const warnings: ContentProblem[] = [];
  const today = options.today ?? new Date();
  let modules = 0;
  for (const course of index.courses) {
    await compileForCheck(course.overviewFile, course.relativePath + '/course.mdx', problems);
    let minutes = 0;
    for (const module of course.modules) {
      modules += 1;
      minutes += module.meta?.minutes ?? 0;
      if (module.error) continue; // already reported by the index
      if (module.meta) reviewAgeProblem(module.relativePath, module.meta.reviewed, today, problems, warnings);
      const compiled = await compileForCheck(module.file, module.relativePath, problems);
      if (!compiled) continue;
      const { analysis } = compiled;
      for (const p of analysis.problems) problems.push({ file: module.relativePath, line: p.line, message: p.message, fatal: p.fatal });
      for (const link of analysis.moduleLinks) {
        if (!linkResolves(link.href, index.courses)) problems.push({ file: module.relativePath, line: link.line, message: `link ${link.href} does not lead to a course or module`, fatal: false });
      }
      if (options.editorial) problems.push(...editorialProblems(module.relativePath, compiled));
    }
    if (course.modules.every((m) => m.meta) && Math.abs(course.meta.cpdHours * 60 - minutes) > 0.01) {
      problems.push({ file: course.relativePath + '/course.mdx', line: null, message: `cpdHours is ${course.meta.cpdHours} but the modules add up to ${minutes} minutes (${+(minutes / 60).toFixed(2)} hours)`, fatal: false });
    }
    if (options.editorial && (course.modules.length < 4 || course.modules.length > 6)) {
      problems.push({ file: course.relativePath, line: null, message: `a course has 4 to 6 modules; this one has ${course.modules.length}`, fatal: false });
    }
  }
  return { courses: index.courses.length, modules, problems, warnings };
}

function reviewAgeProblem(file: string, reviewed: string, today: Date, problems: ContentProblem[], warnings: ContentProblem[]): void {
  const reviewedOn = new Date(`${reviewed}T00:00:00Z`);
  if (reviewedOn.getTime() > today.getTime()) {
    problems.push({ file, line: null, message: `frontmatter reviewed: ${reviewed} is in the future`, fatal: false });
    return;
  }
  const addMonths = (months: number) => {
    const date = new Date(reviewedOn);
    date.setUTCMonth(date.getUTCMonth() + months);
    return date;
  };
  if (today >= addMonths(REVIEW_FAIL_MONTHS)) {
    problems.push({ file, line: null, message: `last reviewed ${reviewed}, over ${REVIEW_FAIL_MONTHS} months ago: check it against its sources and update reviewed`, fatal: false });
  } else if (today >= addMonths(REVIEW_WARN_MONTHS)) {
    warnings.push({ file, line: null, message: `last reviewed ${reviewed}, over ${REVIEW_WARN_MONTHS} months ago: due for review`, fatal: false });
  }
}

async function compileForCheck(file: string, relativePath: string, problems: ContentProblem[]): Promise<CompiledMdx | null> {
  try {
    return await compileFile(file);
  } catch (error) {
    if (error instanceof MdxCompileError) {
      problems.push({ file: relativePath, line: error.line, message: error.message, fatal: true });
      return null;
    }
    throw error;
  }
}

function linkResolves(href: string, courses: CourseEntry[]): boolean {
  const [courseSlug, moduleSlug, ...rest] = href.replace(/[#?].*$/, '').split('/').filter(Boolean).slice(1);
  const course = courses.find((c) => c.slug === courseSlug);
  if (!course || rest.length > 0) return false;
  return moduleSlug === undefined || course.modules.some((m) => m.slug === moduleSlug);
}

function editorialProblems(file: string, compiled: CompiledMdx): ContentProblem[] {
  const { analysis } = compiled;
  const problems: string[] = [];
  const count = (name: string) => analysis.componentCounts[name] ?? 0;
  if (analysis.wordCount < EDITORIAL.minWords || analysis.wordCount > EDITORIAL.maxWords) {
    problems.push(`a module has ${EDITORIAL.minWords} to ${EDITORIAL.maxWords} words; this one has ${analysis.wordCount}`);
  }
  if (count('Scenario') < 1) problems.push('a module needs at least one <Scenario>');
  if (count('KeyIdea') < 1) problems.push('a module needs at least one <KeyIdea>');
  if (count('FurtherReading') < 1) problems.push('a module needs <FurtherReading> listing its sources');
  const reflections = analysis.items.filter((i) => i.kind === 'reflection');
  if (reflections.length < 2 || !reflections.some((r) => r.required)) problems.push('a module needs at least two <Reflection>s, one of them required');
  const actionSteps = analysis.items.filter((i) => i.kind === 'action-step');
  if (actionSteps.length > 1) problems.push(`a module has at most one <ActionStep>: one thing to try at a time; this one has ${actionSteps.length}`);
  const checks = analysis.items.filter((i) => i.kind === 'check');
  if (checks.length !== 1) problems.push(`a module has exactly one <KnowledgeCheck>; this one has ${checks.length}`);
  for (const check of checks) {
    if (check.questions.length < EDITORIAL.minQuestions || check.questions.length > EDITORIAL.maxQuestions) {
      problems.push(`knowledge check "${check.id}" has ${check.questions.length} questions; use ${EDITORIAL.minQuestions} to ${EDITORIAL.maxQuestions}`);
    }
  }
  return problems.map((message) => ({ file, line: null, message, fatal: false }));
}

export function formatProblem(problem: ContentProblem): string {
  return `${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`;
}
