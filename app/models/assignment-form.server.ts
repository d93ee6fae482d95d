import { json } from '@remix-run/node';
import { z } from 'zod';
import { ROLES } from '#db/schema.ts';
import { ledOrganisationIds } from '#app/auth/permissions.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { findCourse, getCourseIndex } from '#app/content/catalogue.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { parseForm } from '#app/utils/forms.ts';
import { badRequest, notFound } from '#app/utils/http.server.ts';
import { createAssignment, listAssignments, withdrawAssignment, type AssignmentTarget } from './assignments.server.ts';
import { coachedPeople, listGroups } from './groups.server.ts';
import { listMembers, listOrganisationsByIds } from './organisations.server.ts';

// Assigning courses: leaders to anyone in the organisations they lead, a group, or everyone with a
// role; coaches to the people and groups they coach. One form, one handler, two scopes.

export type AssignerMode = 'leader' | 'coach';

export interface TargetOption {
  value: string;
  label: string;
}

export async function assignmentFormOptions(viewer: SessionUser, mode: AssignerMode) {
  const courses = getCourseIndex().courses.map((c) => ({ slug: c.slug, title: c.meta.title }));
  const today = ukDate(nowIso());
  if (mode === 'coach') {
    const [people, groups] = await Promise.all([coachedPeople(viewer.id), listGroups(viewer.memberships.map((m) => m.organisationId), { coachUserId: viewer.id })]);
    const targets: TargetOption[] = [...groups.map((g) => ({ value: `group:${g.id}`, label: `Group: ${g.name}` })), ...people.map((p) => ({ value: `person:${p.userId}`, label: p.name }))];
    const assignments = await listAssignments(viewer.memberships.map((m) => m.organisationId), { assignedBy: viewer.id });
    return { courses, targets, assignments, today };
  }
  const organisationIds = await ledOrganisationIds(viewer);
  const [organisations, groups, members, assignments] = await Promise.all([
    listOrganisationsByIds(organisationIds),
    listGroups(organisationIds),
    listMembers(organisationIds),
    listAssignments(organisationIds),
  ]);
  const targets: TargetOption[] = [
    ...organisations.flatMap((o) => ROLES.map((role) => ({ value: `role:${role}:${o.id}`, label: `Everyone with the ${role} role at ${o.name}` }))),
    ...groups.map((g) => ({ value: `group:${g.id}`, label: `Group: ${g.name} (${g.organisationName})` })),
    ...members.filter((m) => !m.deactivated).map((m) => ({ value: `person:${m.userId}:${m.organisationId}`, label: `${m.name} (${m.organisationName})` })),
  ];
  return { courses, targets, assignments, today };
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

/** Works out the target and its organisation, or throws 404 when the viewer may not assign to it. */
async function resolveTarget(viewer: SessionUser, mode: AssignerMode, raw: string): Promise<{ organisationId: number; target: AssignmentTarget }> {
  const [kind, first, second] = raw.split(':');
  if (mode === 'coach') {
    if (kind === 'person') {
      const person = (await coachedPeople(viewer.id, { userId: Number(first) }))[0];
      if (person) return { organisationId: person.organisationId, target: { kind: 'person', userId: person.userId } };
    } else if (kind === 'group') {
      const group = (await listGroups(viewer.memberships.map((m) => m.organisationId), { coachUserId: viewer.id, groupId: Number(first) }))[0];
      if (group) return { organisationId: group.organisationId, target: { kind: 'group', groupId: group.id } };
    }
    throw notFound();
  }
  const organisationIds = await ledOrganisationIds(viewer);
  if (kind === 'role' && organisationIds.includes(Number(second))) {
    return { organisationId: Number(second), target: { kind: 'role', role: first as (typeof ROLES)[number] } };
  }
  if (kind === 'group') {
    const group = (await listGroups(organisationIds, { groupId: Number(first) }))[0];
    if (group) return { organisationId: group.organisationId, target: { kind: 'group', groupId: group.id } };
  }
  if (kind === 'person') {
    const scope = second ? organisationIds.filter((id) => id === Number(second)) : organisationIds;
    const member = (await listMembers(scope, { userId: Number(first) })).find((m) => !m.deactivated);
    if (member) return { organisationId: member.organisationId, target: { kind: 'person', userId: member.userId } };
  }
  throw notFound();
}

export async function handleAssignmentAction(viewer: SessionUser, mode: AssignerMode, formData: FormData) {
  const intent = formData.get('intent');
  if (intent === 'withdraw') {
    const id = Number(formData.get('assignmentId'));
    const scope = mode === 'leader' ? await ledOrganisationIds(viewer) : viewer.memberships.map((m) => m.organisationId);
    const assignment = Number.isSafeInteger(id) ? (await listAssignments(scope, { assignmentId: id, ...(mode === 'coach' ? { assignedBy: viewer.id } : {}) }))[0] : undefined;
    if (!assignment) throw notFound();
    await withdrawAssignment(assignment.id, viewer.id, assignment.organisationId);
    return json({ fieldErrors: {}, done: 'The assignment is withdrawn.' });
  }
  if (intent !== 'assign') throw badRequest('Unknown form.');
  const parsed = parseForm(assignSchema(ukDate(nowIso())), formData);
  if (!parsed.success) return json({ fieldErrors: parsed.fieldErrors, done: null }, { status: 400 });
  const { organisationId, target } = await resolveTarget(viewer, mode, parsed.data.target);
  await createAssignment({ organisationId, courseSlug: parsed.data.course, target, dueDate: parsed.data.dueDate, assignedBy: viewer.id });
  return json({ fieldErrors: {}, done: 'The course is assigned.' });
}
