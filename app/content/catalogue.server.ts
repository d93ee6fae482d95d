import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { getEnv } from '#app/utils/env.server.ts';
import {
  courseFrontmatterSchema,
  describeFrontmatterIssues,
  describeStandard,
  isSlug,
  MODULE_FILE_PATTERN,
  moduleFrontmatterSchema,
  TEACHING_STANDARDS,
  type ContentProblem,
  type CourseFrontmatter,
  type ModuleFrontmatter,
  type TeachingStandardCode,
} from './schemas.ts';

// The index of courses and modules: frontmatter only, never compiled code. Slugs from URLs are
// looked up here, so nothing that is not already a known file ever reaches the disk.

export interface ModuleEntry {
  slug: string;
  order: number;
  file: string;
  relativePath: string;
  meta: ModuleFrontmatter | null;
  /** Why this module cannot be shown, or null. */
  error: string | null;
}

export interface CourseEntry {
  slug: string;
  relativePath: string;
  overviewFile: string;
  meta: CourseFrontmatter;
  overviewBody: string;
  modules: ModuleEntry[];
}

export interface CourseIndex {
  courses: CourseEntry[];
  problems: ContentProblem[];
}

export function coursesRoot(): string {
  return path.resolve(getEnv().COURSES_PATH);
}

function relative(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

function readFrontmatter(file: string): { data: Record<string, unknown>; body: string } {
  // An empty options object stops gray-matter from caching by content, which would hide edits.
  const parsed = matter(fs.readFileSync(file, 'utf8'), {});
  return { data: parsed.data, body: parsed.content };
}

function readCourse(root: string, slug: string, problems: ContentProblem[]): CourseEntry | null {
  const dir = path.join(root, slug);
  const overviewFile = path.join(dir, 'course.mdx');
  if (!isSlug(slug)) {
    problems.push({ file: relative(dir), line: null, message: 'a course folder name must be lower-case letters, digits and hyphens', fatal: true });
    return null;
  }
  if (!fs.existsSync(overviewFile)) {
    problems.push({ file: relative(dir), line: null, message: 'a course folder needs a course.mdx', fatal: true });
    return null;
  }
  let meta: CourseFrontmatter;
  let overviewBody: string;
  try {
    const { data, body } = readFrontmatter(overviewFile);
    const parsed = courseFrontmatterSchema.safeParse(data);
    if (!parsed.success) {
      for (const message of describeFrontmatterIssues(parsed.error)) problems.push({ file: relative(overviewFile), line: null, message, fatal: true });
      return null;
    }
    meta = parsed.data;
    overviewBody = body;
  } catch (error) {
    problems.push({ file: relative(overviewFile), line: null, message: `frontmatter could not be read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, fatal: true });
    return null;
  }

  const modules: ModuleEntry[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (name === 'course.mdx' || name.startsWith('.')) continue;
    const file = path.join(dir, name);
    const match = MODULE_FILE_PATTERN.exec(name);
    if (!match) {
      if (name.endsWith('.mdx')) problems.push({ file: relative(file), line: null, message: 'a module file name must look like 01-module-slug.mdx', fatal: true });
      continue;
    }
    const entry: ModuleEntry = { slug: match[2]!, order: Number(match[1]), file, relativePath: relative(file), meta: null, error: null };
    try {
      const parsed = moduleFrontmatterSchema.safeParse(readFrontmatter(file).data);
      if (parsed.success) entry.meta = parsed.data;
      else entry.error = describeFrontmatterIssues(parsed.error).join('; ');
    } catch (error) {
      entry.error = `frontmatter could not be read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    }
    if (entry.error) problems.push({ file: entry.relativePath, line: null, message: entry.error, fatal: true });
    if (modules.some((m) => m.slug === entry.slug)) {
      problems.push({ file: entry.relativePath, line: null, message: `another module in this course is also called "${entry.slug}"`, fatal: true });
      continue;
    }
    modules.push(entry);
  }
  if (modules.length === 0) problems.push({ file: relative(dir), line: null, message: 'a course needs at least one module', fatal: true });
  return { slug, relativePath: relative(dir), overviewFile, meta, overviewBody, modules };
}

function scan(): CourseIndex {
  const root = coursesRoot();
  const problems: ContentProblem[] = [];
  const courses: CourseEntry[] = [];
  const names = fs.existsSync(root) ? fs.readdirSync(root, { withFileTypes: true }) : [];
  for (const dirent of names.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!dirent.isDirectory() || dirent.name.startsWith('.')) continue;
    const course = readCourse(root, dirent.name, problems);
    if (course) courses.push(course);
  }
  return { courses, problems };
}

/** A cheap fingerprint of the courses folder: names, sizes and modification times. */
function fingerprint(): string {
  const root = coursesRoot();
  if (!fs.existsSync(root)) return 'missing';
  const parts: string[] = [];
  for (const course of fs.readdirSync(root).sort()) {
    const dir = path.join(root, course);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      const stat = fs.statSync(path.join(dir, name));
      parts.push(`${course}/${name}:${stat.size}:${stat.mtimeMs}`);
    }
  }
  return parts.join('|');
}

let cached: { index: CourseIndex; fingerprint: string | null } | null = null;

/**
 * The course index. In production it is read once; elsewhere it is re-read when a file changes,
 * so an author sees an edit on the next reload.
 */
export function getCourseIndex(): CourseIndex {
  const watching = getEnv().NODE_ENV !== 'production';
  const current = watching ? fingerprint() : null;
  if (!cached || (watching && cached.fingerprint !== current)) {
    cached = { index: scan(), fingerprint: current };
  }
  return cached.index;
}

/** A course by a slug from a URL, or null: invalid slugs are refused before any lookup. */
export function findCourse(slug: string | undefined): CourseEntry | null {
  if (!slug || !isSlug(slug)) return null;
  return getCourseIndex().courses.find((c) => c.slug === slug) ?? null;
}

export function findModule(course: CourseEntry, slug: string | undefined): ModuleEntry | null {
  if (!slug || !isSlug(slug)) return null;
  return course.modules.find((m) => m.slug === slug) ?? null;
}

export function moduleTitle(module: ModuleEntry): string {
  return module.meta?.title ?? module.slug.replace(/-/g, ' ');
}

/**
 * When the course as a whole was last checked: its oldest module review, since a course is only
 * as current as its stalest module. Null if no module has readable frontmatter.
 */
export function courseReviewedOn(course: CourseEntry): string | null {
  const dates = course.modules.flatMap((m) => (m.meta ? [m.meta.reviewed] : []));
  return dates.length > 0 ? dates.reduce((oldest, date) => (date < oldest ? date : oldest)) : null;
}

/** The Teachers' Standards / ITTECF headings any module of the course supports, in code order. */
export function courseStandards(course: CourseEntry): TeachingStandardCode[] {
  const declared = new Set(course.modules.flatMap((m) => m.meta?.standards ?? []));
  return (Object.keys(TEACHING_STANDARDS) as TeachingStandardCode[]).filter((code) => declared.has(code));
}

/** The standards of a course named by slug, as shown on its certificate; none if it no longer exists. */
export function standardLabelsOfCourse(slug: string): string[] {
  const course = findCourse(slug);
  return course ? courseStandards(course).map(describeStandard) : [];
}
