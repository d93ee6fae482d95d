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
      what: 'Start each lesson with a two-minute retrieval quiz, and ask the three pupils I checked on first to explain one answer aloud.',
      className: '9C, Tuesday period 2',
      followUpOn: today,
      successLooksLike: 'All three answer without being chased, and the quiz scores of the class creep up over two weeks.',
    });
    await setStepShared(teacher, first, true);
    await recordFollowUp(
      teacher,
      first,
      { outcome: 'adapted', happened: 'The quiz worked; cold-calling the same three pupils felt pointed, so I used mini-whiteboards for everyone instead and followed up with them quietly.', next: 'Keep the whiteboards and add a worked example before the quiz.', minutesGiven: 90, newDate: null },
      null,
    );
    if (coach) {
      await addStepNote(coach, first, 'observation', 'Saw the quiz on Tuesday: every pupil wrote an answer, and the whiteboards let you spot two who had not understood.', null);
      await addStepNote(coach, first, 'agreed-next', 'Keep the whiteboards; add one worked example before the quiz for the next fortnight, and we look at two books together.', null);
    }
    await planActionStep(
      teacher,
      ref,
      { what: 'Mini-whiteboard retrieval quiz, with one worked example first.', className: '9C, Tuesday period 2', followUpOn: today, successLooksLike: 'Fewer blank boards, and the two pupils who struggled get the second question right.' },
      { submissionKey: null, previousStepId: first, endPreviousAs: 'carried' },
    );
    return;
  }
}
