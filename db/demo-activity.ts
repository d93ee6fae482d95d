import type { Kysely } from 'kysely';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { loadViewer } from '#app/auth/session.server.ts';
import { assignCourse } from '#app/models/assignments.server.ts';
import { setReflectionShared } from '#app/models/coaching.server.ts';
import { addGroupMember, createGroup } from '#app/models/groups.server.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { completeCourse } from './learning-factories.ts';
import type { Database } from './schema.ts';
import { DEMO_SCHOOLS } from './seed.ts';

/**
 * Life in the demo, for people trying Kindred (not for tests, which start from the bare demo):
 * a coaching group per school, the first course assigned to it, some progress, a certificate,
 * and a shared reflection for the coach to answer.
 */
export async function seedDemoActivity(db: Kysely<Database>): Promise<void> {
  const { courses } = getCourseIndex();
  const first = courses[0];
  if (!first) return;
  const dueInThreeWeeks = new Date(Date.parse(nowIso()) + 21 * 86_400_000).toISOString().slice(0, 10);
  for (const school of DEMO_SCHOOLS) {
    const domain = `${school.slug}.example`;
    const id = async (email: string) => (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    const organisationId = (await db.selectFrom('organisations').select('id').where('name', '=', school.name).executeTakeFirstOrThrow()).id;
    const leader = await loadViewer(await id(`leader@${domain}`));
    const groupId = await createGroup(leader, organisationId, 'Early career teachers', await id(`coach@${domain}`));
    const members = [`teacher@${domain}`, ...school.teachers.slice(1, 6).map((name) => `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@${domain}`)];
    for (const email of members) await addGroupMember(leader, groupId, await id(email));
    await assignCourse(leader, 'leader', { target: `group:${groupId}`, courseSlug: first.slug, dueDate: dueInThreeWeeks });

    // One teacher has finished the course; two are part way; the demo teacher has begun and shared a reflection.
    await completeCourse(await id(members[1]!), first.slug);
    await completeCourse(await id(members[2]!), first.slug, { modules: 2 });
    await completeCourse(await id(members[3]!), first.slug, { modules: 1 });
    const demoTeacher = await id(members[0]!);
    await completeCourse(demoTeacher, first.slug, { modules: 1 });
    const firstModule = first.modules[0]!.slug;
    const reflection = await db.selectFrom('reflection_responses').select('item_id').where('user_id', '=', demoTeacher).where('module_slug', '=', firstModule).executeTakeFirst();
    if (reflection) await setReflectionShared(await loadViewer(demoTeacher), first.slug, firstModule, reflection.item_id, true);
  }
}
