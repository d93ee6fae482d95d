import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findCourse, getCourseIndex } from '#app/content/catalogue.server.ts';
import { loadModule } from '#app/content/modules.server.ts';

// Outside production, an author's edit shows on the next request: no restart, no stale cache.
const coursesPath = fs.mkdtempSync(path.join(os.tmpdir(), 'kindred-courses-'));
fs.cpSync('tests/fixtures/courses/sample-course', path.join(coursesPath, 'sample-course'), { recursive: true });
process.env.COURSES_PATH = coursesPath;

describe('editing a course in development', () => {
  test('a changed title, a new module and changed module text show at once', async () => {
    expect(findCourse('sample-course')!.meta.title).toBe('Sample course');
    const overview = path.join(coursesPath, 'sample-course', 'course.mdx');
    fs.writeFileSync(overview, fs.readFileSync(overview, 'utf8').replace('title: Sample course', 'title: Sample course, revised'));
    expect(findCourse('sample-course')!.meta.title).toBe('Sample course, revised');

    const moduleFile = path.join(coursesPath, 'sample-course', '01-first-steps.mdx');
    fs.writeFileSync(moduleFile, fs.readFileSync(moduleFile, 'utf8').replace('Some prose to start.', 'Freshly edited prose.'));
    const course = findCourse('sample-course')!;
    const loaded = await loadModule(course, course.modules[0]!);
    expect(loaded.ok && loaded.segments.some((s) => s.type === 'html' && s.html.includes('Freshly edited prose.'))).toBe(true);

    fs.copyFileSync(path.join(coursesPath, 'sample-course', '02-second-steps.mdx'), path.join(coursesPath, 'sample-course', '03-third-steps.mdx'));
    expect(getCourseIndex().courses[0]!.modules.map((m) => m.slug)).toEqual(['first-steps', 'second-steps', 'third-steps']);
  });
});
