import fs from 'node:fs';
import path from 'node:path';

// What a client needs to send progress writes: every module's reflections, and its knowledge
// checks with the right answers (option ids are a, b, c… in authored order), read from the MDX.

export interface BenchCheck {
  id: string;
  /** Form fields answering every question correctly: answer.<questionId> → option id (repeated for multiple). */
  correct: [string, string][];
}

export interface BenchModule {
  course: string;
  module: string;
  path: string;
  reflections: { id: string; required: boolean }[];
  checks: BenchCheck[];
}

export function readCourseModules(coursesPath = path.resolve('courses')): BenchModule[] {
  const modules: BenchModule[] = [];
  for (const course of fs.readdirSync(coursesPath).sort()) {
    const dir = path.join(coursesPath, course);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).sort()) {
      const match = /^\d+-(.+)\.mdx$/.exec(file);
      if (!match) continue;
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      const slug = match[1]!;
      const entry: BenchModule = { course, module: slug, path: `/courses/${course}/${slug}`, reflections: [], checks: [] };
      let check: BenchCheck | null = null;
      let question: string | null = null;
      let option = 0;
      for (const tag of source.matchAll(/<(Reflection|KnowledgeCheck|Question|Option)\b([^>]*)>/g)) {
        const [, name, attrs = ''] = tag;
        const id = /\bid="([^"]+)"/.exec(attrs)?.[1];
        if (name === 'Reflection' && id) entry.reflections.push({ id, required: /\brequired\b/.test(attrs) });
        else if (name === 'KnowledgeCheck' && id) entry.checks.push((check = { id, correct: [] }));
        else if (name === 'Question' && id) {
          question = id;
          option = 0;
        } else if (name === 'Option' && check && question) {
          const optionId = String.fromCharCode('a'.charCodeAt(0) + option);
          option += 1;
          if (/\bcorrect\b/.test(attrs)) check.correct.push([`answer.${question}`, optionId]);
        }
      }
      modules.push(entry);
    }
  }
  return modules;
}

/** A URLSearchParams-ready list of fields (answers may repeat a name). */
export function checkFields(check: BenchCheck): [string, string][] {
  return [['intent', 'check'], ['itemId', check.id], ['enhanced', '1'], ...check.correct];
}
