import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database, Role } from '#db/schema.ts';
import type { CourseEntry } from '#app/content/catalogue.server.ts';
import { membershipsWithRole } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { ukMonth } from '#app/utils/academic-year.ts';
import { containsIgnoringCase } from '#db/dialect.ts';
import { getDb } from '#app/utils/db.server.ts';
import { assignmentCovers } from './assignments.server.ts';

// Staff progress for leaders (by organisation) and coaches (by the groups they coach). Each report
// is a fixed number of grouped statements however many staff there are: no query per person.

/** A leader's organisations, or a coach's groups within the organisations where they coach now. */
export type ReportScope = { organisationIds: number[] } | { coachUserId: number; coachOrganisationIds: number[] };

/** The scope of a coach's report (the coach rule of app/auth/policy.server.ts, as a filter). */
export function coachReportScope(viewer: SessionUser): ReportScope {
  return { coachUserId: viewer.id, coachOrganisationIds: membershipsWithRole(viewer, 'coach').map((m) => m.organisationId) };
}

export interface ReportFilters {
  role?: Role;
  groupId?: number;
  organisationId?: number;
  q?: string;
  includeDeactivated?: boolean;
  userId?: number;
}

export type CellState = 'completed' | 'in-progress' | 'not-started';

export interface Cell {
  state: CellState;
  percent: number;
  completedAt: string | null;
  assigned: boolean;
  /** When the earliest assignment covering this person and course was made. */
  assignedOn: string | null;
  dueDate: string | null;
  overdue: boolean;
  /** The certificate's code when the course is complete and the certificate stands. */
  certificateCode: string | null;
}

export interface StaffRow {
  userId: number;
  name: string;
  email: string;
  organisationId: number;
  organisationName: string;
  roles: Role[];
  groups: string[];
  deactivated: boolean;
  /** Whether they have accepted their invitation (set a password). */
  joined: boolean;
  lastActivityAt: string | null;
  cells: Record<string, Cell>;
}

export interface CourseSummary {
  slug: string;
  title: string;
  /** Active people who have joined (accepted their invitation): the base of every percentage. */
  total: number;
  completed: number;
  inProgress: number;
  notStarted: number;
  overdue: number;
  /** Of `total`, those the course is assigned to, and how far they are. */
  assigned: number;
  assignedCompleted: number;
  assignedInProgress: number;
  assignedNotStarted: number;
  /** Of `total`, those it is not assigned to, and how many finished it anyway. */
  notAssigned: number;
  notAssignedCompleted: number;
  /** Invited but not yet joined: counted apart, not as "not started". */
  notJoined: number;
}

type MembershipQuery = SelectQueryBuilder<Database & { m: Database['memberships'] }, 'm', object>;

/** Limits a query over memberships `m` to the scope: the organisations, or the coach's groups. */
function inScope<Q extends MembershipQuery>(query: Q, scope: ReportScope): Q {
  if ('organisationIds' in scope) return query.where('m.organisation_id', 'in', scope.organisationIds.length ? scope.organisationIds : [-1]) as Q;
  return query
    .where('m.organisation_id', 'in', scope.coachOrganisationIds.length ? scope.coachOrganisationIds : [-1])
    .where('m.user_id', '!=', scope.coachUserId)
    .where((eb) =>
    eb.exists(
      eb
        .selectFrom('group_members as sgm')
        .innerJoin('groups as sg', 'sg.id', 'sgm.group_id')
        .select('sgm.user_id')
        .whereRef('sgm.user_id', '=', 'm.user_id')
        .whereRef('sg.organisation_id', '=', 'm.organisation_id')
        .where('sg.coach_user_id', '=', scope.coachUserId),
    ),
  ) as Q;
}

/** Every table `readProgressFacts` reads: the scope's members, and their enrolments, modules done and certificates. */
export const PROGRESS_FACT_TABLES = ['memberships', 'enrolments', 'module_progress', 'certificates'] as const;

/** What the people in a scope have done: written by learners all the time, unlike the rest of a report. */
export interface ProgressFacts {
  enrolments: { user_id: number; course_slug: string; completed_at: string | null; last_activity_at: string }[];
  modulesDone: { user_id: number; course_slug: string; done: number }[];
  certificates: { user_id: number; course_slug: string; code: string }[];
}

export async function readProgressFacts(scope: ReportScope): Promise<ProgressFacts> {
  const db = getDb();
  const scopedUsers = inScope(db.selectFrom('memberships as m').select('m.user_id'), scope);
  const [enrolments, modulesDone, certificates] = await Promise.all([
    db.selectFrom('enrolments').select(['user_id', 'course_slug', 'completed_at', 'last_activity_at']).where('user_id', 'in', scopedUsers).execute(),
    db
      .selectFrom('module_progress')
      .select(['user_id', 'course_slug', (eb) => eb.fn.countAll<number>().as('done')])
      .where('user_id', 'in', scopedUsers)
      .where('completed_at', 'is not', null)
      .groupBy(['user_id', 'course_slug'])
      .execute(),
    db.selectFrom('certificates').select(['user_id', 'course_slug', 'code']).where('user_id', 'in', scopedUsers).where('revoked_at', 'is', null).execute(),
  ]);
  return { enrolments, modulesDone: modulesDone.map((row) => ({ ...row, done: Number(row.done) })), certificates };
}

/** Every table `readStaffDirectory` reads. */
export const STAFF_DIRECTORY_TABLES = ['users', 'memberships', 'membership_roles', 'organisations', 'groups', 'group_members', 'assignments'] as const;

/** Who is in scope (after the filters), their roles and groups, and what is assigned to them: what leaders change. */
export interface StaffDirectory {
  staff: { membershipId: number; userId: number; name: string; email: string; organisationId: number; organisationName: string; deactivated_at: string | null; joined: number }[];
  roles: { membership_id: number; role: Role }[];
  groups: { user_id: number; organisation_id: number; name: string }[];
  assigned: { user_id: number; course_slug: string; dueDate: string | null; assignedOn: string }[];
}

export async function readStaffDirectory(scope: ReportScope, filters: ReportFilters = {}): Promise<StaffDirectory> {
  const db = getDb();
  // 1. The people in scope.
  let staffQuery = inScope(
    db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
      .select(['m.id as membershipId', 'm.user_id as userId', 'u.name', 'u.email', 'o.id as organisationId', 'o.name as organisationName', 'm.deactivated_at', sql<number>`u.password_hash is not null`.as('joined')]),
    scope,
  );
  if (!filters.includeDeactivated) staffQuery = staffQuery.where('m.deactivated_at', 'is', null);
  if (filters.organisationId !== undefined) staffQuery = staffQuery.where('m.organisation_id', '=', filters.organisationId);
  if (filters.role) {
    const role = filters.role;
    staffQuery = staffQuery.where((eb) => eb.exists(eb.selectFrom('membership_roles as fr').select('fr.role').whereRef('fr.membership_id', '=', 'm.id').where('fr.role', '=', role)));
  }
  if (filters.groupId !== undefined) {
    const groupId = filters.groupId;
    staffQuery = staffQuery.where((eb) => eb.exists(eb.selectFrom('group_members as fg').select('fg.user_id').whereRef('fg.user_id', '=', 'm.user_id').where('fg.group_id', '=', groupId)));
  }
  if (filters.userId !== undefined) staffQuery = staffQuery.where('m.user_id', '=', filters.userId);
  if (filters.q) {
    const q = filters.q;
    staffQuery = staffQuery.where((eb) => eb.or([containsIgnoringCase('u.name', q), containsIgnoringCase('u.email', q)]));
  }
  if ('coachUserId' in scope) staffQuery = staffQuery.where('m.user_id', '!=', scope.coachUserId);
  const scopedMemberships = inScope(db.selectFrom('memberships as m').select('m.id'), scope);
  const scopedOrganisations = inScope(db.selectFrom('memberships as m').select('m.organisation_id'), scope);

  // 2–4. Roles, groups and assignments of everyone in scope: one grouped statement each.
  const [staff, roles, groups, assigned] = await Promise.all([
    staffQuery.orderBy('o.name').orderBy('u.name').execute(),
    db.selectFrom('membership_roles').select(['membership_id', 'role']).where('membership_id', 'in', scopedMemberships).execute(),
    db
      .selectFrom('group_members as gm')
      .innerJoin('groups as g', 'g.id', 'gm.group_id')
      .select(['gm.user_id', 'g.organisation_id', 'g.name'])
      .where('g.organisation_id', 'in', scopedOrganisations)
      .orderBy('g.name')
      .execute(),
    inScope(
      db
        .selectFrom('memberships as m')
        .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
        .innerJoin('assignments as a', (join) => join.on((eb) => assignmentCovers(eb)))
        .select(['m.user_id', 'a.course_slug', sql<string | null>`min(a.due_date)`.as('dueDate'), sql<string>`min(a.created_at)`.as('assignedOn')])
        .where('m.deactivated_at', 'is', null)
        .groupBy(['m.user_id', 'a.course_slug']),
      scope,
    ).execute(),
  ]);
  return { staff, roles, groups, assigned };
}

/**
 * Every table staffProgress reads (directly or through assignmentCovers): its results, and what is
 * derived from them, stay true until one of these is written.
 */
export const STAFF_PROGRESS_TABLES: readonly string[] = [...new Set([...STAFF_DIRECTORY_TABLES, ...PROGRESS_FACT_TABLES])];

/**
 * The progress facts of each of these organisations' members, in one statement per kind of fact
 * whatever the number of organisations. Someone in two of them is in both.
 */
export async function readProgressFactsByOrganisation(organisationIds: readonly number[]): Promise<Map<number, ProgressFacts>> {
  const db = getDb();
  const ids = organisationIds.length ? [...organisationIds] : [-1];
  const [enrolments, modulesDone, certificates] = await Promise.all([
    db
      .selectFrom('enrolments as e')
      .innerJoin('memberships as m', 'm.user_id', 'e.user_id')
      .select(['m.organisation_id', 'e.user_id', 'e.course_slug', 'e.completed_at', 'e.last_activity_at'])
      .where('m.organisation_id', 'in', ids)
      .execute(),
    db
      .selectFrom('module_progress as mp')
      .innerJoin('memberships as m', 'm.user_id', 'mp.user_id')
      .select(['m.organisation_id', 'mp.user_id', 'mp.course_slug', (eb) => eb.fn.countAll<number>().as('done')])
      .where('m.organisation_id', 'in', ids)
      .where('mp.completed_at', 'is not', null)
      .groupBy(['m.organisation_id', 'mp.user_id', 'mp.course_slug'])
      .execute(),
    db
      .selectFrom('certificates as c')
      .innerJoin('memberships as m', 'm.user_id', 'c.user_id')
      .select(['m.organisation_id', 'c.user_id', 'c.course_slug', 'c.code'])
      .where('m.organisation_id', 'in', ids)
      .where('c.revoked_at', 'is', null)
      .execute(),
  ]);
  const byOrganisation = new Map<number, ProgressFacts>(organisationIds.map((id) => [id, { enrolments: [], modulesDone: [], certificates: [] }]));
  for (const { organisation_id, ...row } of enrolments) byOrganisation.get(organisation_id)!.enrolments.push(row);
  for (const { organisation_id, ...row } of modulesDone) byOrganisation.get(organisation_id)!.modulesDone.push({ ...row, done: Number(row.done) });
  for (const { organisation_id, ...row } of certificates) byOrganisation.get(organisation_id)!.certificates.push(row);
  return byOrganisation;
}

/**
 * One row per person in scope, with a cell per course: the directory and the progress facts
 * (5. enrolments, 6. modules done, 7. certificates), joined up in memory. `read` says how each is
 * read: the dashboard keeps the directory until a leader changes it, and the facts per
 * organisation, so that a learner's write is read again for their school only.
 */
export async function staffProgress(
  scope: ReportScope,
  courses: CourseEntry[],
  today: string,
  filters: ReportFilters = {},
  read: { directory: typeof readStaffDirectory; facts: typeof readProgressFacts } = { directory: readStaffDirectory, facts: readProgressFacts },
): Promise<StaffRow[]> {
  const [{ staff, roles, groups, assigned }, { enrolments: progress, modulesDone, certificates }] = await Promise.all([read.directory(scope, filters), read.facts(scope)]);

  const rolesByMembership = groupBy(roles, (r) => r.membership_id, (r) => r.role);
  const groupsByMember = groupBy(groups, (g) => g.user_id * 1_000_003 + g.organisation_id, (g) => g.name);
  const doneByUser = byUserAndCourse(modulesDone, (d) => d.done);
  const progressByUser = byUserAndCourse(progress, (p) => p);
  const assignedByUser = byUserAndCourse(assigned, (a) => a);
  const certificateByUser = byUserAndCourse(certificates, (c) => c.code);
  const lastActivity = new Map<number, string>();
  for (const p of progress) {
    const current = lastActivity.get(p.user_id);
    if (!current || p.last_activity_at > current) lastActivity.set(p.user_id, p.last_activity_at);
  }

  return staff.map((person) => {
    const personProgress = progressByUser.get(person.userId);
    const personDone = doneByUser.get(person.userId);
    const personAssigned = assignedByUser.get(person.userId);
    const personCertificates = certificateByUser.get(person.userId);
    const cells: Record<string, Cell> = {};
    for (const course of courses) {
      const p = personProgress?.get(course.slug);
      const isAssigned = personAssigned?.has(course.slug) ?? false;
      const assignment = personAssigned?.get(course.slug);
      const dueDate = assignment?.dueDate ?? null;
      const state: CellState = p?.completed_at ? 'completed' : p ? 'in-progress' : 'not-started';
      const percent = state === 'completed' ? 100 : p ? Math.min(99, Math.round((100 * (personDone?.get(course.slug) ?? 0)) / Math.max(1, course.modules.length))) : 0;
      cells[course.slug] = {
        state,
        percent,
        completedAt: p?.completed_at ?? null,
        assigned: isAssigned,
        assignedOn: assignment?.assignedOn ?? null,
        dueDate,
        overdue: isAssigned && dueDate !== null && dueDate < today && state !== 'completed',
        certificateCode: state === 'completed' ? (personCertificates?.get(course.slug) ?? null) : null,
      };
    }
    return {
      userId: person.userId,
      name: person.name,
      email: person.email,
      organisationId: person.organisationId,
      organisationName: person.organisationName,
      roles: (rolesByMembership.get(person.membershipId) ?? []).sort(),
      groups: groupsByMember.get(person.userId * 1_000_003 + person.organisationId) ?? [],
      deactivated: person.deactivated_at !== null,
      joined: Boolean(person.joined),
      lastActivityAt: lastActivity.get(person.userId) ?? null,
      cells,
    };
  });
}

function groupBy<T, V>(items: T[], key: (item: T) => number, value: (item: T) => V): Map<number, V[]> {
  const grouped = new Map<number, V[]>();
  for (const item of items) {
    const k = key(item);
    const list = grouped.get(k);
    if (list) list.push(value(item));
    else grouped.set(k, [value(item)]);
  }
  return grouped;
}

/** Rows keyed by learner, then by course slug: no string keys built per row. */
function byUserAndCourse<T extends { user_id: number; course_slug: string }, V>(rows: T[], value: (row: T) => V): Map<number, Map<string, V>> {
  const byUser = new Map<number, Map<string, V>>();
  for (const row of rows) {
    let courses = byUser.get(row.user_id);
    if (!courses) byUser.set(row.user_id, (courses = new Map()));
    courses.set(row.course_slug, value(row));
  }
  return byUser;
}

/** Per course: how many of these people completed, are in progress, have not started, are overdue. */
export function summariseByCourse(rows: StaffRow[], courses: CourseEntry[]): CourseSummary[] {
  return courses.map((course) => {
    const summary: CourseSummary = {
      slug: course.slug,
      title: course.meta.title,
      total: 0,
      completed: 0,
      inProgress: 0,
      notStarted: 0,
      overdue: 0,
      assigned: 0,
      assignedCompleted: 0,
      assignedInProgress: 0,
      assignedNotStarted: 0,
      notAssigned: 0,
      notAssignedCompleted: 0,
      notJoined: 0,
    };
    for (const row of rows) {
      if (row.deactivated) continue;
      if (!row.joined) {
        summary.notJoined += 1;
        continue;
      }
      const cell = row.cells[course.slug]!;
      summary.total += 1;
      if (cell.state === 'completed') summary.completed += 1;
      else if (cell.state === 'in-progress') summary.inProgress += 1;
      else summary.notStarted += 1;
      if (cell.overdue) summary.overdue += 1;
      if (cell.assigned) {
        summary.assigned += 1;
        if (cell.state === 'completed') summary.assignedCompleted += 1;
        else if (cell.state === 'in-progress') summary.assignedInProgress += 1;
        else summary.assignedNotStarted += 1;
      } else {
        summary.notAssigned += 1;
        if (cell.state === 'completed') summary.notAssignedCompleted += 1;
      }
    }
    return summary;
  });
}

/** The same summary for each school, for trust leaders. */
const schoolOrder = new Intl.Collator('en-GB', { numeric: true, sensitivity: 'base' });

/**
 * Per school, in the order a person reads names ("School 2" before "School 10"). The trust's own
 * members (its central team) are not a school and are left out.
 */
export function summariseBySchool(rows: StaffRow[], courses: CourseEntry[], schoolIds: Set<number>): { organisationId: number; organisationName: string; staff: number; courses: CourseSummary[] }[] {
  const bySchool = groupBy(
    rows.filter((row) => schoolIds.has(row.organisationId)),
    (row) => row.organisationId,
    (row) => row,
  );
  return [...bySchool.entries()]
    .map(([organisationId, schoolRows]) => ({
      organisationId,
      organisationName: schoolRows[0]!.organisationName,
      staff: schoolRows.filter((r) => !r.deactivated).length,
      courses: summariseByCourse(schoolRows, courses),
    }))
    .sort((a, b) => schoolOrder.compare(a.organisationName, b.organisationName));
}

/** CPD hours per person in an academic year: Kindred certificates and external CPD, two grouped statements. */
export async function cpdHoursInYear(scope: ReportScope, yearStart: string, yearEnd: string): Promise<Map<number, { kindred: number; external: number }>> {
  const db = getDb();
  const scopedUsers = inScope(db.selectFrom('memberships as m').select('m.user_id'), scope);
  const [kindred, external] = await Promise.all([
    db
      .selectFrom('certificates')
      .select(['user_id', sql<number>`sum(cpd_hours)`.as('hours')])
      .where('user_id', 'in', scopedUsers)
      .where('revoked_at', 'is', null)
      .where('completed_at', '>=', yearStart)
      .where('completed_at', '<', yearEnd)
      .groupBy('user_id')
      .execute(),
    db
      .selectFrom('external_cpd')
      .select(['user_id', sql<number>`sum(hours)`.as('hours')])
      .where('user_id', 'in', scopedUsers)
      .where('activity_date', '>=', yearStart.slice(0, 10))
      .where('activity_date', '<', yearEnd.slice(0, 10))
      .groupBy('user_id')
      .execute(),
  ]);
  const hours = new Map<number, { kindred: number; external: number }>();
  for (const row of kindred) hours.set(row.user_id, { kindred: row.hours, external: 0 });
  for (const row of external) hours.set(row.user_id, { kindred: hours.get(row.user_id)?.kindred ?? 0, external: row.hours });
  return hours;
}

export interface CompletionTrend {
  slug: string;
  title: string;
  /** People the percentages are of: active members who have joined. */
  base: number;
  /** Month by month through the academic year so far: how many had completed by its end. */
  months: { month: string; completed: number }[];
}

/**
 * Completions of each course over the academic year, cumulative, for the people of `rows` who
 * count (active and joined): read off their cells, no statement of its own. `months` are YYYY-MM
 * from September to this month.
 */
export function completionTrend(courses: CourseEntry[], rows: StaffRow[], today: string): CompletionTrend[] {
  const [year, month] = today.split('-').map(Number) as [number, number];
  const startYear = month >= 9 ? year : year - 1;
  const months: string[] = [];
  for (let y = startYear, m = 9; y < year || (y === year && m <= month); m === 12 ? ((m = 1), (y += 1)) : (m += 1)) months.push(`${y}-${String(m).padStart(2, '0')}`);
  // Someone who belongs to two organisations in scope has two rows but counts once.
  const counted = new Map<number, StaffRow>();
  for (const row of rows) if (!row.deactivated && row.joined) counted.set(row.userId, row);
  return courses.map((course) => {
    const completedIn = new Map<string, number>();
    for (const row of counted.values()) {
      const completedAt = row.cells[course.slug]?.completedAt;
      if (!completedAt) continue;
      const completedMonth = ukMonth(completedAt);
      completedIn.set(completedMonth, (completedIn.get(completedMonth) ?? 0) + 1);
    }
    let before = 0;
    for (const [completedMonth, n] of completedIn) if (completedMonth < months[0]!) before += n;
    let cumulative = before;
    return {
      slug: course.slug,
      title: course.meta.title,
      base: counted.size,
      months: months.map((m) => ({ month: m, completed: (cumulative += completedIn.get(m) ?? 0) })),
    };
  });
}
