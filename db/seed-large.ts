import type { Insertable, Kysely } from 'kysely';
import { hashPassword } from '#app/auth/password.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { generateCertificateCode } from '#app/models/certificates.server.ts';
import type { Database, Role } from './schema.ts';
import { DEMO_PASSWORD } from './seed.ts';

export const LARGE_TRUST = { name: 'Riverbend Schools Trust', domain: 'large.example', schools: 10 };

const FIRST = ['Aisha', 'Ben', 'Chloe', 'Dev', 'Emma', 'Femi', 'Gwen', 'Harry', 'Imran', 'Jess', 'Kai', 'Lena', 'Marcus', 'Nadia', 'Oscar', 'Poppy', 'Qasim', 'Rosa', 'Sam', 'Tara', 'Umar', 'Vicky', 'Will', 'Yara', 'Zak'];
const LAST = ['Ali', 'Brown', 'Clarke', 'Davies', 'Evans', 'Fraser', 'Green', 'Hall', 'Iqbal', 'Jones', 'Khan', 'Lewis', 'Malik', 'Nolan', 'Owen', 'Patel', 'Quinn', 'Reid', 'Singh', 'Taylor', 'Usman', 'Walker', 'Young'];

/** A deterministic pseudo-random sequence, so the large seed is the same every time. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A trust of 10 schools with `staff` people in all: per school a leader, a coach per 20 staff
 * with a coaching group each, and teachers; the courses assigned (some overdue); and
 * progress: about a quarter completed, a third in progress, the rest not started, per course.
 */
export async function seedLarge(db: Kysely<Database>, staff = 2000): Promise<{ people: number; completions: number }> {
  const { courses } = getCourseIndex();
  if (courses.length === 0) throw new Error('No courses found: the large seed needs the courses folder.');
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const next = random(2026);
  const now = Date.now();
  const iso = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
  const day = (daysFromNow: number) => new Date(now + daysFromNow * 86_400_000).toISOString().slice(0, 10);
  let completions = 0;

  // Through Kysely, in multi-row inserts, so the same seed fills SQLite and PostgreSQL quickly.
  await db.transaction().execute(async (trx) => {
    const inChunks = async <T extends keyof Database>(table: T, rows: Insertable<Database[T]>[]) => {
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto(table).values(rows.slice(i, i + 500) as never).execute();
    };
    const organisation = async (name: string, kind: 'school' | 'trust', trustId: number | null) =>
      (await trx.insertInto('organisations').values({ name, kind, trust_id: trustId, created_at: iso(400) }).returning('id').executeTakeFirstOrThrow()).id;
    /** Makes the people with their memberships and roles in one organisation; returns their ids in order. */
    const members = async (organisationId: number, people: { email: string; name: string; roles: Role[] }[]) => {
      const ids: number[] = [];
      for (let i = 0; i < people.length; i += 500) {
        const chunk = people.slice(i, i + 500);
        const made = await trx.insertInto('users').values(chunk.map((p) => ({ email: p.email, name: p.name, password_hash: passwordHash, created_at: iso(400) }))).returning(['id', 'email']).execute();
        const idByEmail = new Map(made.map((u) => [u.email, u.id]));
        ids.push(...chunk.map((p) => idByEmail.get(p.email)!));
      }
      const memberships = await trx.insertInto('memberships').values(ids.map((userId) => ({ user_id: userId, organisation_id: organisationId, deactivated_at: null, created_at: iso(400) }))).returning(['id', 'user_id']).execute();
      const membershipByUser = new Map(memberships.map((m) => [m.user_id, m.id]));
      await inChunks('membership_roles', people.flatMap((p, i) => p.roles.map((role) => ({ membership_id: membershipByUser.get(ids[i]!)!, role }))));
      return ids;
    };
    const assignment = (organisationId: number, courseSlug: string, target: { group: number } | { role: Role }, dueDate: string, assignedBy: number, createdAt: string) =>
      trx
        .insertInto('assignments')
        .values({
          organisation_id: organisationId,
          course_slug: courseSlug,
          target_kind: 'group' in target ? 'group' : 'role',
          target_user_id: null,
          target_group_id: 'group' in target ? target.group : null,
          target_role: 'role' in target ? target.role : null,
          target_key: 'group' in target ? `group:${target.group}` : `role:${target.role}`,
          due_date: dueDate,
          assigned_by: assignedBy,
          created_at: createdAt,
          withdrawn_at: null,
        })
        .execute();

    const trustId = await organisation(LARGE_TRUST.name, 'trust', null);
    const [trustLeader] = await members(trustId, [{ email: `trust.leader@${LARGE_TRUST.domain}`, name: 'Rowan Trust-Leader', roles: ['leader'] }]);
    // The trust sets every teacher the first course, due a fortnight ago: a realistic overdue tail.
    await assignment(trustId, courses[0]!.slug, { role: 'teacher' }, day(-14), trustLeader!, iso(60));

    let made = 1;
    for (let s = 1; s <= LARGE_TRUST.schools; s += 1) {
      const schoolId = await organisation(`Riverbend School ${s}`, 'school', trustId);
      const schoolStaff = Math.floor((staff - 1) / LARGE_TRUST.schools) + (s <= (staff - 1) % LARGE_TRUST.schools ? 1 : 0);
      const planned = Array.from({ length: schoolStaff }, (_, i) => ({
        name: `${FIRST[(s * 7 + i) % FIRST.length]} ${LAST[(s * 3 + i * 5) % LAST.length]}`,
        email: i === 0 ? `leader@school-${s}.${LARGE_TRUST.domain}` : `staff-${s}-${i}@${LARGE_TRUST.domain}`,
        roles: (i === 0 ? ['leader', 'teacher'] : i % 20 === 1 ? ['coach', 'teacher'] : ['teacher']) as Role[],
      }));
      const people = await members(schoolId, planned);
      made += people.length;
      const coaches = people.filter((_, i) => planned[i]!.roles.includes('coach'));
      // A coaching group per coach, each with the teachers that follow them.
      const groupIds: number[] = [];
      for (const [g, coach] of coaches.entries()) {
        groupIds.push((await trx.insertInto('groups').values({ organisation_id: schoolId, name: `Coaching group ${g + 1}`, coach_user_id: coach, created_at: iso(300) }).returning('id').executeTakeFirstOrThrow()).id);
      }
      await inChunks(
        'group_members',
        people.flatMap((userId, i) => (groupIds.length && i > 0 && !coaches.includes(userId) ? [{ group_id: groupIds[i % groupIds.length]!, user_id: userId, added_at: iso(300) }] : [])),
      );
      if (groupIds[0] && courses[1]) await assignment(schoolId, courses[1].slug, { group: groupIds[0] }, day(30), people[0]!, iso(20));

      const enrolments: Insertable<Database['enrolments']>[] = [];
      const progress: Insertable<Database['module_progress']>[] = [];
      const certificates: Insertable<Database['certificates']>[] = [];
      people.forEach((userId, p) => {
        for (const course of courses) {
          const roll = next();
          if (roll > 0.6) continue; // not started
          const completed = roll < 0.25;
          const done = completed ? course.modules.length : Math.floor(next() * course.modules.length);
          const started = 10 + Math.floor(next() * 200);
          const finished = Math.max(0, started - 5 - Math.floor(next() * 5));
          const last = course.modules[Math.min(done, course.modules.length - 1)]!.slug;
          enrolments.push({ user_id: userId, course_slug: course.slug, content_version: course.meta.version, started_at: iso(started), completed_at: completed ? iso(finished) : null, last_module_slug: last, last_activity_at: iso(completed ? finished : Math.floor(next() * started)) });
          course.modules.slice(0, done + (completed ? 0 : 1)).forEach((module, index) => {
            progress.push({ user_id: userId, course_slug: course.slug, module_slug: module.slug, content_version: course.meta.version, first_visited_at: iso(started), last_visited_at: iso(finished), completed_at: index < done ? iso(finished) : null });
          });
          if (completed) {
            certificates.push({ code: generateCertificateCode(), user_id: userId, course_slug: course.slug, course_title: course.meta.title, content_version: course.meta.version, cpd_hours: course.meta.cpdHours, learner_name: planned[p]!.name, organisation_id: schoolId, organisation_name: `Riverbend School ${s}`, completed_at: iso(finished) });
            completions += 1;
          }
        }
      });
      await inChunks('enrolments', enrolments);
      await inChunks('module_progress', progress);
      await inChunks('certificates', certificates);
    }
    if (made !== staff) throw new Error(`made ${made} people, expected ${staff}`);
  });
  return { people: staff, completions };
}
