import { data } from '@remix-run/node';
import { z } from 'zod';
import { ROLES } from '#db/schema.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { findCourse, getCourseIndex } from '#app/content/catalogue.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { parseForm } from '#app/utils/forms.ts';
import { formatDate } from '#app/utils/dates.ts';
import { redirectWithFlash } from '#app/utils/flash.server.ts';
import { badRequest, notFound, orNotFound } from '#app/utils/http.server.ts';
import { assignCourse, listAssignments, withdrawAssignment, type AssignerMode } from '#app/models/assignments.server.ts';
import { coachedPeople, listGroups } from '#app/models/groups.server.ts';
import { ledOrganisations, listMembers } from '#app/models/organisations.server.ts';

// The assignment form on /lead/assignments and /coach: its options and its action. Who may assign
// what to whom is decided in app/models/assignments.server.ts (resolveTarget).


export interface TargetOption {
  value: string;
  label: string;
}

/** Up to this many people are listed in the form; beyond it, a leader searches for the person. */
export const PEOPLE_IN_FORM = 50;

export interface PersonSearch {
  q: string;
  /** Active people the leader could assign to. */
  total: number;
  /** Those listed in the form now (all of them, or the matches of `q`). */
  shown: number;
}

export async function assignmentFormOptions(viewer: SessionUser, mode: AssignerMode, personQuery = '') {
  const courses = getCourseIndex().courses.map((c) => ({ slug: c.slug, title: c.meta.title }));
  const today = ukDate(nowIso());
  if (mode === 'coach') {
    const [people, groups] = await Promise.all([coachedPeople(viewer), listGroups(viewer, 'coach')]);
    const targets: TargetOption[] = [...groups.map((g) => ({ value: `group:${g.id}`, label: `Group: ${g.name}` })), ...people.map((p) => ({ value: `person:${p.userId}`, label: p.name }))];
    const assignments = (await listAssignments(viewer, 'coach')).map(withDueText);
    return { courses, targets, assignments, today, personSearch: null };
  }
  const [organisations, groups, members, assignments] = await Promise.all([ledOrganisations(viewer), listGroups(viewer, 'leader'), listMembers(viewer), listAssignments(viewer, 'leader')]).then(([o, g, m, a]) => [o, g, m, a.map(withDueText)] as const);
  // At trust scale the whole staff list would be a select of thousands: people are found by a
  // search on the server (a plain GET form, so it works without JavaScript).
  const active = members.filter((m) => !m.deactivated);
  const needle = personQuery.trim().toLowerCase();
  const people = needle ? active.filter((m) => m.name.toLowerCase().includes(needle) || m.email.includes(needle)) : active.length <= PEOPLE_IN_FORM ? active : [];
  const targets: TargetOption[] = [
    ...people.slice(0, PEOPLE_IN_FORM).map((m) => ({ value: `person:${m.userId}:${m.organisationId}`, label: `${m.name} (${m.organisationName})` })),
    ...groups.map((g) => ({ value: `group:${g.id}`, label: `Group: ${g.name} (${g.organisationName})` })),
    ...organisations.flatMap((o) => ROLES.map((role) => ({ value: `role:${role}:${o.id}`, label: `Everyone with the ${role} role at ${o.name}` }))),
  ];
  const personSearch: PersonSearch = { q: personQuery.trim(), total: active.length, shown: Math.min(people.length, PEOPLE_IN_FORM) };
  return { courses, targets, assignments, today, personSearch };
}

function assignSchema(today: string) {
  return z.object({
    course: z.string({ message: 'Choose a course' }).refine((slug) => findCourse(slug) !== null, 'Choose a course from the list'),
    target: z.string({ message: 'Choose who to assign it to' }).regex(/^(person:\d+(:\d+)?|group:\d+|role:(teacher|coach|leader):\d+)$/, 'Choose who to assign it to'),
    dueDate: z
      .string()
      .optional()
      .transform((v) => (v ?? '').trim())
      .refine((v) => v === '' || /^\d{4}-\d{2}-\d{2}$/.test(v), 'Enter the due date as day, month and year')
      .refine((v) => v === '' || (!Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)), 'Enter a real date')
      .refine((v) => v === '' || v >= today, 'The due date cannot be in the past')
      .transform((v) => (v === '' ? null : v)),
  });
}

export async function handleAssignmentAction(viewer: SessionUser, mode: AssignerMode, formData: FormData, returnTo: string) {
  const intent = formData.get('intent');
  if (intent === 'withdraw') {
    const id = Number(formData.get('assignmentId'));
    if (!Number.isSafeInteger(id) || id <= 0) throw notFound();
    const withdrawn = await orNotFound(withdrawAssignment(viewer, mode, id));
    return redirectWithFlash(returnTo, `${courseTitle(withdrawn.courseSlug)} is no longer assigned to ${withdrawn.targetLabel}.`);
  }
  if (intent !== 'assign') throw badRequest('Unknown form.');
  const parsed = parseForm(assignSchema(ukDate(nowIso())), formData);
  if (!parsed.success) return data({ fieldErrors: parsed.fieldErrors, done: null }, { status: 400 });
  const result = await orNotFound(assignCourse(viewer, mode, { target: parsed.data.target, courseSlug: parsed.data.course, dueDate: parsed.data.dueDate }));
  const due = parsed.data.dueDate ? `due ${formatDate(`${parsed.data.dueDate}T12:00:00Z`)}` : 'with no due date';
  const title = courseTitle(parsed.data.course);
  const target = (await listAssignments(viewer, mode, { assignmentId: result.id }))[0]?.targetLabel ?? 'them';
  const done =
    result.outcome === 'created'
      ? `${title} assigned to ${target}, ${due}.`
      : result.outcome === 'updated'
        ? `${title} was already assigned to ${target}: the due date is updated (now ${due}).`
        : `${title} was already assigned to ${target}, ${due}: nothing changed.`;
  // Post/Redirect/Get: a refresh does not assign again, and the form comes back empty.
  return redirectWithFlash(returnTo, done);
}

/** Dates as every other page writes them: "1 March 2027". */
function withDueText<T extends { dueDate: string | null }>(assignment: T): T & { dueText: string } {
  return { ...assignment, dueText: assignment.dueDate ? formatDate(`${assignment.dueDate}T12:00:00Z`) : 'No due date' };
}

function courseTitle(slug: string): string {
  return findCourse(slug)?.meta.title ?? slug;
}
