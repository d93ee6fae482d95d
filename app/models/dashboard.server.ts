import { z } from 'zod';
import { ROLES } from '#db/schema.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { ledOrganisationIds } from '#app/auth/policy.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { cachedUntilWrite, type WriteCache } from '#app/utils/cached-until-write.server.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { formatDate } from '#app/utils/dates.ts';
import { listGroups } from './groups.server.ts';
import { ledOrganisations } from './organisations.server.ts';
import { completionTrend, PROGRESS_FACT_TABLES, readProgressFacts, readProgressFactsByOrganisation, readStaffDirectory, STAFF_DIRECTORY_TABLES, STAFF_PROGRESS_TABLES, staffProgress, summariseByCourse, summariseBySchool, type Cell, type ProgressFacts, type ReportFilters, type ReportScope, type StaffRow } from './reports.server.ts';

export const STATUS_FILTERS = ['overdue', 'not-started', 'in-progress', 'completed', 'not-assigned'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/** Whether a cell is in the state a leader filtered for; "not started" means assigned and not begun. */
export function matchesStatus(cell: Cell, status: StatusFilter): boolean {
  if (status === 'overdue') return cell.overdue;
  if (status === 'not-assigned') return !cell.assigned;
  if (status === 'not-started') return cell.assigned && cell.state === 'not-started';
  return cell.state === status;
}

const filterSchema = z.object({
  role: z.enum(ROLES as [string, ...string[]]).optional().catch(undefined),
  group: z.coerce.number().int().positive().optional().catch(undefined),
  school: z.coerce.number().int().positive().optional().catch(undefined),
  q: z.string().trim().max(100).optional().catch(undefined),
  deactivated: z.literal('1').optional().catch(undefined),
  /** With `status`: people in that state for this course (any course when it is not given). */
  course: z.string().max(80).optional().catch(undefined),
  status: z.enum(STATUS_FILTERS).optional().catch(undefined),
  page: z.coerce.number().int().positive().max(10_000).optional().catch(undefined),
  /** `name`, `school` or a course's slug (by progress in it); `dir` reverses. */
  sort: z.string().max(80).optional().catch(undefined),
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
});

export type DashboardQuery = z.output<typeof filterSchema>;

/** Reads the dashboard's filters from a URL; anything malformed is ignored, not an error. */
export function readDashboardQuery(url: URL): DashboardQuery {
  return filterSchema.parse(Object.fromEntries(url.searchParams));
}

/** How far someone is in a course, for sorting: overdue first, then not started, by percent, completed last. */
function progressRank(cell: Cell): number {
  if (cell.overdue) return -1;
  if (cell.state === 'completed') return 101;
  return cell.state === 'in-progress' ? cell.percent : 0;
}

// One collator each, made once: localeCompare with a locale builds a new one on every call, which
// is most of the time of sorting 2,000 rows.
const nameOrder = new Intl.Collator('en-GB');
const schoolNameOrder = new Intl.Collator('en-GB', { numeric: true });
const byName = (a: StaffRow, b: StaffRow) => nameOrder.compare(a.name, b.name) || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0);

/**
 * The matrix in the order the leader chose. Ties fall back to the name, so a page boundary never
 * moves between two requests. An unknown sort key means the default order (school, then name).
 */
export function sortStaffRows(rows: StaffRow[], sort: string | undefined, dir: 'asc' | 'desc' | undefined): StaffRow[] {
  const schoolOrder = (a: StaffRow, b: StaffRow) => schoolNameOrder.compare(a.organisationName, b.organisationName);
  let compare: (a: StaffRow, b: StaffRow) => number;
  if (sort === 'name') compare = byName;
  else if (sort && rows[0]?.cells[sort] !== undefined) compare = (a, b) => progressRank(a.cells[sort]!) - progressRank(b.cells[sort]!) || byName(a, b);
  else compare = (a, b) => schoolOrder(a, b) || byName(a, b);
  const sign = dir === 'desc' ? -1 : 1;
  return [...rows].sort((a, b) => sign * compare(a, b));
}

export function cellText(cell: Cell): string {
  const base = cell.state === 'completed' ? `Completed ${formatDate(cell.completedAt!)}` : cell.state === 'in-progress' ? `In progress ${cell.percent}%` : 'Not started';
  return cell.overdue ? `Overdue (due ${formatDate(`${cell.dueDate}T12:00:00Z`)}): ${base}` : base;
}

// The dashboard is cached between writes (docs/decisions/018-dashboard-cache.md): the progress
// rows of a scope and filter (the grouped statements, the expensive part), and what is derived
// from them for one status filter and order. A leader paging through the matrix or coming back to
// it reads both from memory until someone's progress, an assignment, a membership or an
// organisation changes.
// Learners' progress reaches a leader's figures within two seconds: in a busy trust progress is
// written many times a second, and each write would otherwise cost the next dashboard a full
// recomputation. Everything a leader changes (people, roles, groups, assignments, certificates)
// shows at once (docs/decisions/024-dashboards-lag-learners-by-seconds.md).
const LEARNER_PROGRESS = { tables: ['enrolments', 'module_progress'], forMs: 2_000 };
const staffProgressCache: WriteCache = { name: 'staff progress', tables: STAFF_PROGRESS_TABLES, maxEntries: 8, lagging: LEARNER_PROGRESS };
const dashboardCache: WriteCache = { name: 'leader dashboard', tables: STAFF_PROGRESS_TABLES, maxEntries: 32, lagging: LEARNER_PROGRESS };
const dashboardGroupsCache: WriteCache = { name: 'leader dashboard groups', tables: ['groups', 'group_members', 'organisations', 'users'], maxEntries: 32 };
// A dashboard's rows are made from two parts kept apart (the lagging rows above are remade from
// them): who is in scope, kept until a leader changes people, roles, groups or assignments; and
// what each organisation's people have done, kept per organisation, lagging like the rows. After a
// learner's write the rows are remade from the kept directory and fresh facts (three statements,
// not seven), and a trust's dashboard and its schools' share each organisation's facts.
const staffDirectoryCache: WriteCache = { name: 'staff directory', tables: STAFF_DIRECTORY_TABLES, maxEntries: 32 };
const progressFactsCache: WriteCache = { name: "an organisation's progress facts", tables: PROGRESS_FACT_TABLES, maxEntries: 1_000, lagging: LEARNER_PROGRESS };

interface Waiting {
  promise: Promise<ProgressFacts>;
  resolve: (facts: ProgressFacts) => void;
  reject: (error: unknown) => void;
}
let factsWanted: Map<number, Waiting> | null = null;

/**
 * An organisation's progress facts. Reads asked for in the same turn of the event loop go out
 * together: a trust's dashboard needing the facts of ten schools reads them in one set of
 * statements, not ten.
 */
function readFactsSoon(organisationId: number): Promise<ProgressFacts> {
  if (!factsWanted) {
    const wanted = (factsWanted = new Map());
    setImmediate(() => {
      factsWanted = null;
      readProgressFactsByOrganisation([...wanted.keys()]).then(
        (facts) => wanted.forEach((waiting, id) => waiting.resolve(facts.get(id)!)),
        (error: unknown) => wanted.forEach((waiting) => waiting.reject(error)),
      );
    });
  }
  let waiting = factsWanted.get(organisationId);
  if (!waiting) {
    const made: Partial<Waiting> = {};
    made.promise = new Promise<ProgressFacts>((resolve, reject) => Object.assign(made, { resolve, reject }));
    factsWanted.set(organisationId, (waiting = made as Waiting));
  }
  return waiting.promise;
}

const keptParts = {
  directory: (scope: ReportScope, filters: ReportFilters = {}) => cachedUntilWrite(staffDirectoryCache, JSON.stringify([scope, filters]), () => readStaffDirectory(scope, filters)),
  async facts(scope: ReportScope): Promise<ProgressFacts> {
    if (!('organisationIds' in scope)) return readProgressFacts(scope);
    const each = await Promise.all(scope.organisationIds.map((id) => cachedUntilWrite(progressFactsCache, String(id), () => readFactsSoon(id))));
    // Someone in two of these organisations is in both: their rows are the same, and read into maps by person.
    return { enrolments: each.flatMap((f) => f.enrolments), modulesDone: each.flatMap((f) => f.modulesDone), certificates: each.flatMap((f) => f.certificates) };
  },
};

// Course titles and modules are part of what is cached: a new course index (content reloaded in
// development) is a new key.
const courseIndexIds = new WeakMap<object, number>();
let courseIndexCount = 0;
function courseIndexId(courses: object): number {
  let id = courseIndexIds.get(courses);
  if (id === undefined) courseIndexIds.set(courses, (id = (courseIndexCount += 1)));
  return id;
}

/**
 * Everything the dashboard and its CSV show, for the organisations the viewer leads. Filters
 * naming a school or group outside that scope match nobody. What it returns is shared with later
 * requests: read it, do not change it.
 */
export async function leaderDashboard(viewer: SessionUser, query: DashboardQuery) {
  const organisationIds = await ledOrganisationIds(viewer);
  const { courses } = getCourseIndex();
  const today = ukDate(nowIso());
  const [organisations, groups] = await Promise.all([
    ledOrganisations(viewer),
    // The group filter's choices, with member counts: the same for every leader of these organisations.
    cachedUntilWrite(dashboardGroupsCache, JSON.stringify([...organisationIds].sort((a, b) => a - b)), () => listGroups(viewer, 'leader')),
  ]);
  const filters: ReportFilters = {
    role: query.role as ReportFilters['role'],
    groupId: query.group,
    organisationId: query.school,
    q: query.q || undefined,
    includeDeactivated: query.deactivated === '1',
  };
  if (filters.groupId !== undefined && !groups.some((g) => g.id === filters.groupId)) filters.groupId = -1;
  if (filters.organisationId !== undefined && !organisationIds.includes(filters.organisationId)) filters.organisationId = -1;
  const schools = organisations.filter((o) => o.kind === 'school');
  const progressKey = JSON.stringify([courseIndexId(courses), today, [...organisationIds].sort((a, b) => a - b), filters]);
  const report = await cachedUntilWrite(dashboardCache, JSON.stringify([progressKey, query.status, query.course, query.sort, query.dir]), async () => {
    const everyone = await cachedUntilWrite(staffProgressCache, progressKey, () => staffProgress({ organisationIds }, courses, today, filters, keptParts));
    const status = query.status;
    const statusCourses = courses.filter((c) => !query.course || c.slug === query.course);
    const matching = status ? everyone.filter((row) => statusCourses.some((c) => matchesStatus(row.cells[c.slug]!, status))) : everyone;
    return {
      rows: sortStaffRows(matching, query.sort, query.dir),
      trends: completionTrend(courses, everyone, today),
      // The summaries describe everyone the other filters select; the status filter narrows the list only.
      summary: summariseByCourse(everyone, courses),
      bySchool: schools.length > 1 ? summariseBySchool(everyone, courses, new Set(schools.map((o) => o.id))) : [],
    };
  });
  return { courses, ...report, organisations, groups };
}
