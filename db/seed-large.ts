import type { Kysely } from 'kysely';
import { hashPassword } from '#app/auth/password.server.ts';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { generateCertificateCode } from '#app/models/certificates.server.ts';
import { rawSqlite } from './database.server.ts';
import type { Database } from './schema.ts';
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
  const sqlite = rawSqlite(db);
  const next = random(2026);
  const now = Date.now();
  const iso = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
  const day = (daysFromNow: number) => new Date(now + daysFromNow * 86_400_000).toISOString().slice(0, 10);
  let completions = 0;

  const insertOrg = sqlite.prepare('insert into organisations (name, kind, trust_id, created_at) values (?, ?, ?, ?)');
  const insertUser = sqlite.prepare('insert into users (email, name, password_hash, created_at) values (?, ?, ?, ?)');
  const insertMembership = sqlite.prepare('insert into memberships (user_id, organisation_id, deactivated_at, created_at) values (?, ?, null, ?)');
  const insertRole = sqlite.prepare('insert into membership_roles (membership_id, role) values (?, ?)');
  const insertGroup = sqlite.prepare('insert into groups (organisation_id, name, coach_user_id, created_at) values (?, ?, ?, ?)');
  const insertGroupMember = sqlite.prepare('insert into group_members (group_id, user_id, added_at) values (?, ?, ?)');
  const insertAssignment = sqlite.prepare(
    'insert into assignments (organisation_id, course_slug, target_kind, target_user_id, target_group_id, target_role, due_date, assigned_by, created_at, withdrawn_at) values (?, ?, ?, null, ?, ?, ?, ?, ?, null)',
  );
  const insertEnrolment = sqlite.prepare(
    'insert into enrolments (user_id, course_slug, content_version, started_at, completed_at, last_module_slug, last_activity_at) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertProgress = sqlite.prepare(
    'insert into module_progress (user_id, course_slug, module_slug, content_version, first_visited_at, last_visited_at, completed_at) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertCertificate = sqlite.prepare(
    'insert into certificates (code, user_id, course_slug, course_title, content_version, cpd_hours, learner_name, organisation_id, organisation_name, completed_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const member = (userId: number, organisationId: number, roles: string[]) => {
    const membershipId = Number(insertMembership.run(userId, organisationId, iso(400)).lastInsertRowid);
    for (const role of roles) insertRole.run(membershipId, role);
  };

  sqlite.transaction(() => {
    const trustId = Number(insertOrg.run(LARGE_TRUST.name, 'trust', null, iso(400)).lastInsertRowid);
    const trustLeader = Number(insertUser.run(`trust.leader@${LARGE_TRUST.domain}`, 'Rowan Trust-Leader', passwordHash, iso(400)).lastInsertRowid);
    member(trustLeader, trustId, ['leader']);
    // The trust sets every teacher the first course, due a fortnight ago: a realistic overdue tail.
    insertAssignment.run(trustId, courses[0]!.slug, 'role', null, 'teacher', day(-14), trustLeader, iso(60));

    let made = 1;
    for (let s = 1; s <= LARGE_TRUST.schools; s += 1) {
      const schoolId = Number(insertOrg.run(`Riverbend School ${s}`, 'school', trustId, iso(400)).lastInsertRowid);
      const schoolStaff = Math.floor((staff - 1) / LARGE_TRUST.schools) + (s <= (staff - 1) % LARGE_TRUST.schools ? 1 : 0);
      const people: number[] = [];
      const coaches: number[] = [];
      for (let i = 0; i < schoolStaff; i += 1) {
        const name = `${FIRST[(s * 7 + i) % FIRST.length]} ${LAST[(s * 3 + i * 5) % LAST.length]}`;
        const email = i === 0 ? `leader@school-${s}.${LARGE_TRUST.domain}` : `staff-${s}-${i}@${LARGE_TRUST.domain}`;
        const userId = Number(insertUser.run(email, name, passwordHash, iso(400)).lastInsertRowid);
        const roles = i === 0 ? ['leader', 'teacher'] : i % 20 === 1 ? ['coach', 'teacher'] : ['teacher'];
        member(userId, schoolId, roles);
        if (roles.includes('coach')) coaches.push(userId);
        people.push(userId);
        made += 1;
      }
      // A coaching group per coach, each with the teachers that follow them.
      const groupIds = coaches.map((coach, g) => Number(insertGroup.run(schoolId, `Coaching group ${g + 1}`, coach, iso(300)).lastInsertRowid));
      people.forEach((userId, i) => {
        if (groupIds.length && i > 0 && !coaches.includes(userId)) insertGroupMember.run(groupIds[i % groupIds.length]!, userId, iso(300));
      });
      if (groupIds[0] && courses[1]) insertAssignment.run(schoolId, courses[1].slug, 'group', groupIds[0], null, day(30), people[0]!, iso(20));

      for (const userId of people) {
        for (const course of courses) {
          const roll = next();
          if (roll > 0.6) continue; // not started
          const completed = roll < 0.25;
          const done = completed ? course.modules.length : Math.floor(next() * course.modules.length);
          const started = 10 + Math.floor(next() * 200);
          const finished = Math.max(0, started - 5 - Math.floor(next() * 5));
          const last = course.modules[Math.min(done, course.modules.length - 1)]!.slug;
          insertEnrolment.run(userId, course.slug, course.meta.version, iso(started), completed ? iso(finished) : null, last, iso(completed ? finished : Math.floor(next() * started)));
          course.modules.slice(0, done + (completed ? 0 : 1)).forEach((module, index) => {
            insertProgress.run(userId, course.slug, module.slug, course.meta.version, iso(started), iso(finished), index < done ? iso(finished) : null);
          });
          if (completed) {
            const name = (sqlite.prepare('select name from users where id = ?').get(userId) as { name: string }).name;
            insertCertificate.run(generateCertificateCode(), userId, course.slug, course.meta.title, course.meta.version, course.meta.cpdHours, name, schoolId, `Riverbend School ${s}`, iso(finished));
            completions += 1;
          }
        }
      }
    }
    if (made !== staff) throw new Error(`made ${made} people, expected ${staff}`);
  })();
  return { people: staff, completions };
}
