import type { CheckItem } from './schemas.ts';

export type Answers = Record<string, string[]>;

export type GradeResult =
  | { ok: true; results: Record<string, boolean>; passed: boolean }
  | { ok: false; unanswered: string[]; invalid: string | null };

/**
 * Grades answers on the server against the answer key. Answers that name questions or options
 * the check does not have are refused as invalid (a tampered form), not graded as wrong.
 */
export function gradeCheck(check: CheckItem, answers: Answers): GradeResult {
  const byId = new Map(check.questions.map((q) => [q.id, q]));
  for (const [questionId, chosen] of Object.entries(answers)) {
    const question = byId.get(questionId);
    if (!question) return { ok: false, unanswered: [], invalid: `There is no question "${questionId}" in this check.` };
    const optionIds = new Set(question.options.map((o) => o.id));
    if (chosen.some((id) => !optionIds.has(id))) return { ok: false, unanswered: [], invalid: `An answer to "${questionId}" is not one of its options.` };
    if (!question.multiple && chosen.length > 1) return { ok: false, unanswered: [], invalid: `Question "${questionId}" takes one answer.` };
    if (new Set(chosen).size !== chosen.length) return { ok: false, unanswered: [], invalid: `An answer to "${questionId}" was sent twice.` };
  }
  const unanswered = check.questions.filter((q) => (answers[q.id] ?? []).length === 0).map((q) => q.id);
  if (unanswered.length > 0) return { ok: false, unanswered, invalid: null };
  const results: Record<string, boolean> = {};
  for (const question of check.questions) {
    const right = question.options.filter((o) => o.correct).map((o) => o.id).sort();
    const chosen = [...(answers[question.id] ?? [])].sort();
    results[question.id] = right.length === chosen.length && right.every((id, i) => id === chosen[i]);
  }
  return { ok: true, results, passed: Object.values(results).every(Boolean) };
}
