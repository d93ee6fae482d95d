import { z } from 'zod';

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MODULE_FILE_PATTERN = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.mdx$/;

export function isSlug(value: string): boolean {
  return value.length <= 80 && SLUG_PATTERN.test(value);
}

const nonEmptyList = (what: string) => z.array(z.string().trim().min(1, `${what} must not be empty`), { message: `must be a list of ${what}` }).min(1, `needs at least one ${what}`);

export const courseFrontmatterSchema = z.object({
  title: z.string({ message: 'is required' }).trim().min(1, 'is required'),
  summary: z.string({ message: 'is required' }).trim().min(1, 'is required'),
  audience: z.string({ message: 'is required' }).trim().min(1, 'is required'),
  cpdHours: z.number({ message: 'must be a number of hours' }).positive('must be more than 0').max(100, 'must be at most 100'),
  version: z.coerce.string({ message: 'is required' }).trim().min(1, 'is required'),
  outcomes: nonEmptyList('outcome'),
});

/**
 * The Teachers' Standards (2011) and the ITTECF (2024, in force from September 2025) share eight
 * headings, so one code names both. Modules declare the ones they support; the course page and
 * the certificate show them.
 */
export const TEACHING_STANDARDS = {
  TS1: "Set high expectations",
  TS2: 'Promote good progress (how pupils learn)',
  TS3: 'Subject and curriculum knowledge',
  TS4: 'Plan and teach well-structured lessons (classroom practice)',
  TS5: 'Adapt teaching to the strengths and needs of all pupils (adaptive teaching)',
  TS6: 'Make accurate and productive use of assessment',
  TS7: 'Manage behaviour effectively',
  TS8: 'Fulfil wider professional responsibilities (professional behaviours)',
} as const;
export type TeachingStandardCode = keyof typeof TEACHING_STANDARDS;

/** How a standard is named to people: "Teachers' Standard 5 / ITTECF: Adapt teaching …". */
export function describeStandard(code: TeachingStandardCode): string {
  return `Teachers' Standard ${code.slice(2)} / ITTECF: ${TEACHING_STANDARDS[code]}`;
}
const standardCodes = Object.keys(TEACHING_STANDARDS) as [TeachingStandardCode, ...TeachingStandardCode[]];

/** YAML reads an unquoted 2026-12-02 as a Date; authors may write either, we keep the text. */
const calendarDate = z.preprocess(
  (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : value),
  z.string({ message: 'is required (YYYY-MM-DD)' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD').refine((text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text), 'is not a real date'),
);

export const moduleFrontmatterSchema = z.object({
  title: z.string({ message: 'is required' }).trim().min(1, 'is required'),
  summary: z.string({ message: 'is required' }).trim().min(1, 'is required'),
  minutes: z.number({ message: 'must be a whole number of minutes' }).int('must be a whole number of minutes').positive('must be more than 0').max(600, 'must be at most 600'),
  objectives: nonEmptyList('objective'),
  /** When a subject expert last checked the module against its sources. */
  reviewed: calendarDate,
  standards: z.array(z.enum(standardCodes, { message: `must be one of ${standardCodes.join(', ')}` })).default([]),
});

export type CourseFrontmatter = z.output<typeof courseFrontmatterSchema>;
export type ModuleFrontmatter = z.output<typeof moduleFrontmatterSchema>;

/** "field: message" for the first problem in each field, for authors. */
export function describeFrontmatterIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `frontmatter ${issue.path.join('.') || '(whole block)'}: ${issue.message}`);
}

// What the server learns from a module when it compiles it.

export interface ReflectionItem {
  kind: 'reflection';
  id: string;
  prompt: string;
  required: boolean;
}

export interface QuestionKey {
  id: string;
  prompt: string;
  multiple: boolean;
  options: { id: string; text: string; correct: boolean }[];
  explanation: string[];
}

export interface CheckItem {
  kind: 'check';
  id: string;
  questions: QuestionKey[];
}

/**
 * A classroom action step: the teacher plans something to try with a real class, and Kindred
 * follows it up on the date they choose. It never gates completion: practice happens later.
 */
export interface ActionStepItem {
  kind: 'action-step';
  id: string;
  prompt: string;
}

export type ModuleItem = ReflectionItem | CheckItem | ActionStepItem;

export interface ContentProblem {
  file: string;
  line: number | null;
  message: string;
  /** Fatal problems stop the module from being shown; the rest only fail `courses:check`. */
  fatal: boolean;
}

/** The public face of a question: what a learner may see before submitting. */
export interface PublicQuestion {
  id: string;
  prompt: string;
  multiple: boolean;
  options: { id: string; text: string }[];
}

/**
 * Options are shown in an order fixed per question (the same for every learner and every visit)
 * but not the authored one: authors tend to write the right answer first.
 */
export function publicQuestions(check: CheckItem): readonly PublicQuestion[] {
  let questions = publicQuestionsOf.get(check);
  if (!questions) {
    // Made once per compiled check and shared by every page that shows it, so frozen.
    questions = Object.freeze(
      check.questions.map((q) =>
        Object.freeze({
          id: q.id,
          prompt: q.prompt,
          multiple: q.multiple,
          options: Object.freeze(stableShuffle(q.options, `${check.id}/${q.id}`).map((o) => Object.freeze({ id: o.id, text: o.text }))) as PublicQuestion['options'],
        }),
      ),
    );
    publicQuestionsOf.set(check, questions);
  }
  return questions;
}

const publicQuestionsOf = new WeakMap<CheckItem, readonly PublicQuestion[]>();

function stableShuffle<T>(items: T[], seedText: string): T[] {
  // FNV-1a for the seed, then a small linear congruential generator: deterministic, no crypto needed.
  let seed = 2166136261;
  for (const char of seedText) seed = Math.imul(seed ^ char.charCodeAt(0), 16777619) >>> 0;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return shuffled;
}
