import { getDb, isUniqueViolation, nowIso } from '#app/utils/db.server.ts';
import { academicYear, ukDate } from '#app/utils/academic-year.ts';
import { findCourse } from '#app/content/catalogue.server.ts';
import { OUTCOME_TEXT, practiceForCpd } from './practice.server.ts';

export interface CpdEntry {
  kind: 'course' | 'external' | 'practice';
  /** The external entry's or action step's id; null for courses. */
  id: number | null;
  title: string;
  provider: string;
  /** YYYY-MM-DD (UK date). */
  date: string;
  hours: number;
  note: string;
  link: string | null;
  certificateCode: string | null;
  /** A revoked certificate's course is listed but not counted. */
  counted: boolean;
}

export interface CpdYear {
  year: string;
  entries: CpdEntry[];
  totalHours: number;
}

/** A learner's CPD log: completed Kindred courses and the external CPD they added, by academic year. */
export async function cpdLog(userId: number): Promise<CpdYear[]> {
  const db = getDb();
  const [certificates, external, practice] = await Promise.all([
    db.selectFrom('certificates').select(['code', 'course_title', 'organisation_name', 'completed_at', 'cpd_hours', 'revoked_at']).where('user_id', '=', userId).execute(),
    db.selectFrom('external_cpd').select(['id', 'title', 'provider', 'activity_date', 'hours', 'note', 'link']).where('user_id', '=', userId).execute(),
    practiceForCpd(userId),
  ]);
  const entries: CpdEntry[] = [
    ...certificates.map((c) => ({
      kind: 'course' as const,
      id: null,
      title: c.course_title,
      provider: `Kindred (${c.organisation_name})`,
      date: ukDate(c.completed_at),
      hours: c.cpd_hours,
      note: c.revoked_at ? 'Certificate revoked: not counted' : '',
      link: null,
      certificateCode: c.code,
      counted: c.revoked_at === null,
    })),
    ...external.map((e) => ({ kind: 'external' as const, id: e.id, title: e.title, provider: e.provider, date: e.activity_date, hours: e.hours, note: e.note, link: e.link, certificateCode: null, counted: true })),
    // A practice cycle counts the time the teacher said they gave to it; without a time it is listed, not counted.
    ...practice.map((p) => ({
      kind: 'practice' as const,
      id: p.id,
      title: `Classroom action step: ${p.what.length > 90 ? `${p.what.slice(0, 89)}…` : p.what}`,
      provider: `Kindred: ${findCourse(p.course_slug)?.meta.title ?? p.course_slug} (with ${p.class_name})`,
      date: ukDate(p.followed_up_at!),
      hours: p.minutes_given ? Math.round((p.minutes_given / 60) * 100) / 100 : 0,
      note: `${p.outcome ? OUTCOME_TEXT[p.outcome] : ''}${p.minutes_given ? '' : '; time not recorded'}`,
      link: `/practice/${p.id}`,
      certificateCode: null,
      counted: p.minutes_given !== null,
    })),
  ].sort((a, b) => b.date.localeCompare(a.date) || a.title.localeCompare(b.title));

  const years = new Map<string, CpdYear>();
  for (const entry of entries) {
    const year = academicYear(entry.date);
    if (!years.has(year)) years.set(year, { year, entries: [], totalHours: 0 });
    const bucket = years.get(year)!;
    bucket.entries.push(entry);
    if (entry.counted) bucket.totalHours = Math.round((bucket.totalHours + entry.hours) * 100) / 100;
  }
  return [...years.values()].sort((a, b) => b.year.localeCompare(a.year));
}

export interface ExternalCpdValues {
  title: string;
  provider: string;
  date: string;
  hours: number;
  note: string;
  link: string | null;
}

/**
 * Adds an entry. The same activity (title, provider, date and hours) is one entry: a unique index
 * keeps it once however many times, or however simultaneously, it is sent.
 */
export async function addExternalCpd(userId: number, values: ExternalCpdValues): Promise<void> {
  const at = nowIso();
  await getDb()
    .insertInto('external_cpd')
    .values({ user_id: userId, title: values.title, provider: values.provider, activity_date: values.date, hours: values.hours, note: values.note, link: values.link, created_at: at, updated_at: at })
    .onConflict((oc) => oc.columns(['user_id', 'title', 'provider', 'activity_date', 'hours']).doNothing())
    .execute();
}

/** Scoped by owner: someone else's entry id changes nothing ('not-found'). */
export async function updateExternalCpd(userId: number, id: number, values: ExternalCpdValues): Promise<'ok' | 'not-found' | 'duplicate'> {
  try {
    const result = await getDb()
      .updateTable('external_cpd')
      .set({ title: values.title, provider: values.provider, activity_date: values.date, hours: values.hours, note: values.note, link: values.link, updated_at: nowIso() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? 'ok' : 'not-found';
  } catch (error) {
    if (isUniqueViolation(error)) return 'duplicate';
    throw error;
  }
}

export async function deleteExternalCpd(userId: number, id: number): Promise<boolean> {
  const result = await getDb().deleteFrom('external_cpd').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function getExternalCpd(userId: number, id: number) {
  return getDb().selectFrom('external_cpd').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}
