import fs from 'node:fs';
import { getEnv } from '#app/utils/env.server.ts';
import { findCourse, findModule, type CourseEntry, type ModuleEntry } from './catalogue.server.ts';
import { compileMdx, contentHash, MdxCompileError, type CompiledMdx } from './compile.server.ts';
import { renderSegments, type Segment } from './render.server.tsx';
import type { ActionStepItem, CheckItem, ModuleItem, ReflectionItem } from './schemas.ts';

export interface ReadyModule {
  ok: true;
  course: CourseEntry;
  module: ModuleEntry;
  items: ModuleItem[];
  segments: Segment[];
}

export interface BrokenModule {
  ok: false;
  course: CourseEntry;
  module: ModuleEntry;
  /** For the course team: the file, and the line where there is one. */
  problem: string;
}

const sourceByPath = new Map<string, { source: string; hash: string }>();

/**
 * Module sources are read (and hashed) once in production; elsewhere on every request, so edits
 * show. Hashing a module's source took a sixth of a warm module page's loader.
 */
function readSource(file: string): { source: string; hash: string } {
  if (getEnv().NODE_ENV !== 'production') {
    const source = fs.readFileSync(file, 'utf8');
    return { source, hash: contentHash(source) };
  }
  let read = sourceByPath.get(file);
  if (read === undefined) {
    const source = fs.readFileSync(file, 'utf8');
    read = { source, hash: contentHash(source) };
    sourceByPath.set(file, read);
  }
  return read;
}

export async function compileFile(file: string): Promise<CompiledMdx> {
  const { source, hash } = readSource(file);
  return compileMdx(source, hash);
}

export async function loadModule(course: CourseEntry, module: ModuleEntry): Promise<ReadyModule | BrokenModule> {
  if (module.error) return { ok: false, course, module, problem: `${module.relativePath}: ${module.error}` };
  try {
    const compiled = await compileFile(module.file);
    const fatal = compiled.analysis.problems.find((p) => p.fatal);
    if (fatal) return { ok: false, course, module, problem: `${module.relativePath}${fatal.line ? `:${fatal.line}` : ''}: ${fatal.message}` };
    return { ok: true, course, module, items: compiled.analysis.items, segments: renderSegments(compiled) };
  } catch (error) {
    if (error instanceof MdxCompileError) {
      return { ok: false, course, module, problem: `${module.relativePath}${error.line ? `:${error.line}` : ''}: ${error.message}` };
    }
    throw error;
  }
}

/** The course and module named by URL slugs, ready or broken; null for anything unknown. */
export async function loadModuleBySlugs(courseSlug: string | undefined, moduleSlug: string | undefined) {
  const course = findCourse(courseSlug);
  const module = course ? findModule(course, moduleSlug) : null;
  if (!course || !module) return null;
  return loadModule(course, module);
}

/** The overview page of a course, rendered from course.mdx. */
export async function loadOverview(course: CourseEntry): Promise<Segment[] | { problem: string }> {
  try {
    return renderSegments(await compileFile(course.overviewFile));
  } catch (error) {
    if (error instanceof MdxCompileError) return { problem: `${course.relativePath}/course.mdx${error.line ? `:${error.line}` : ''}: ${error.message}` };
    throw error;
  }
}

export function reflectionsOf(items: ModuleItem[]): ReflectionItem[] {
  return items.filter((i): i is ReflectionItem => i.kind === 'reflection');
}

export function checksOf(items: ModuleItem[]): CheckItem[] {
  return items.filter((i): i is CheckItem => i.kind === 'check');
}

export function actionStepsOf(items: ModuleItem[]): ActionStepItem[] {
  return items.filter((i): i is ActionStepItem => i.kind === 'action-step');
}
