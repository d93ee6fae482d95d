import type { Kysely } from 'kysely';
import { getCourseIndex } from '#app/content/catalogue.server.ts';
import { loadViewer } from '#app/auth/session.server.ts';
import { assignCourse } from '#app/models/assignments.server.ts';
import { setReflectionShared } from '#app/models/coaching.server.ts';
import { actionStepsOf, loadModule } from '#app/content/modules.server.ts';
import { addStepNote, planActionStep, recordFollowUp, setStepShared } from '#app/models/practice.server.ts';
import { ukDate } from '#app/utils/academic-year.ts';
import { addGroupMember, createGroup } from '#app/models/groups.server.ts';
import { nowIso } from '#app/utils/db.server.ts';
import { completeCourse } from './learning-factories.ts';
import type { Database } from './schema.ts';
import { DEMO_SCHOOLS } from './seed.ts';

/**
 * Life in the demo, for people trying Kindred (not for tests, which start from the bare demo):
 * a coaching group per school, the first course assigned to it, some progress, a certificate,
 * a shared reflection for the coach to answer, and a practice cycle under way: an action step
 * tried, observed by the coach, and carried to a next step whose follow-up is due today.
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
    await seedPracticeCycle(first, await loadViewer(demoTeacher), await loadViewer(await id(`coach@${domain}`)));
  }
}

async function seedPracticeCycle(course: ReturnType<typeof getCourseIndex>['courses'][number], teacher: Awaited<ReturnType<typeof loadViewer>>, coach: Awaited<ReturnType<typeof loadViewer>>): Promise<void> {
  for (const module of course.modules) {
    const loaded = await loadModule(course, module);
    const item = loaded.ok ? actionStepsOf(loaded.items)[0] : undefined;
    if (!item) continue;
    const today = ukDate(nowIso());
    const ref = { courseSlug: course.slug, moduleSlug: module.slug, itemId: item.id };
    const first = await planActionStep(teacher, ref, {
      what: 'A short private conversation with one pupil whose attendance has slipped this half-term, with her tutor, to ask what makes coming to school hard.',
      className: '8R2 (tutor group)',
      followUpOn: today,
      successLooksLike: 'She tells us something we did not know, and we agree one small thing the school will do.',
    });
    await setStepShared(teacher, first, true);
    await recordFollowUp(
      teacher,
      first,
      { outcome: 'adapted', happened: 'We talked at lunch rather than in tutor time, which felt less formal. Mornings at home have been hard since her mum started early shifts; I had assumed it was friendship trouble.', next: 'Ask the attendance lead about a morning check-in for her.', minutesGiven: 90, newDate: null },
      null,
    );
    if (coach) {
      await addStepNote(coach, first, 'feedback', 'Good that you wrote your assumption down first: it shows how easily we guess wrong. Keep the welfare side with the attendance lead.', null);
      await addStepNote(coach, first, 'agreed-next', 'Agree a two-minute check-in at the gate with the attendance lead, and note her arrival times for two weeks; we look at them together.', null);
    }
    await planActionStep(
      teacher,
      ref,
      { what: 'A two-minute check-in at the gate each morning, agreed with the attendance lead, noting her arrival time.', className: '8R2 (tutor group)', followUpOn: today, successLooksLike: 'She arrives before registration on most days, and says the mornings feel easier.' },
      { submissionKey: null, previousStepId: first, endPreviousAs: 'carried' },
    );
    return;
  }
}
