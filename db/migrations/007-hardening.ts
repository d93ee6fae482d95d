import { sql, type Kysely } from 'kysely';

// Frozen in time. The hardening round (docs/decisions/011-hardening.md): shares recorded per coach,
// one live assignment per course and target, idempotent replies and external CPD, sessions with
// an idle timeout and a record of when the password was last given.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // Sessions: idle timeout, re-authentication, and what the owner sees in their list.
  await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('sessions').addColumn('password_confirmed_at', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('sessions').addColumn('user_agent', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('sessions').addColumn('address', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.updateTable('sessions').set({ last_seen_at: sql`created_at`, password_confirmed_at: sql`created_at` }).execute();

  // A share is with the coaches of that moment.
  await db.schema
    .createTable('reflection_shares')
    .addColumn('reflection_id', 'integer', (c) => c.notNull().references('reflection_responses.id').onDelete('cascade'))
    .addColumn('coach_user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('shared_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reflection_shares_pk', ['reflection_id', 'coach_user_id'])
    .execute();
  await db.schema.createIndex('reflection_shares_coach').on('reflection_shares').columns(['coach_user_id', 'reflection_id']).execute();
  // Reflections already shared go to the coaches their authors have today.
  await sql`
    insert into reflection_shares (reflection_id, coach_user_id, shared_at)
    select distinct r.id, g.coach_user_id, r.shared_at
    from reflection_responses r
    join group_members gm on gm.user_id = r.user_id
    join groups g on g.id = gm.group_id and g.coach_user_id is not null and g.coach_user_id <> r.user_id
    where r.shared_at is not null`.execute(db);

  // One live assignment per course and target; older duplicates are withdrawn.
  await db.schema.alterTable('assignments').addColumn('target_key', 'text', (c) => c.notNull().defaultTo('')).execute();
  await sql`update assignments set target_key = target_kind || ':' || coalesce(cast(target_user_id as text), cast(target_group_id as text), target_role)`.execute(db);
  await sql`
    update assignments set withdrawn_at = created_at
    where withdrawn_at is null and exists (
      select 1 from assignments newer
      where newer.withdrawn_at is null and newer.organisation_id = assignments.organisation_id
        and newer.course_slug = assignments.course_slug and newer.target_key = assignments.target_key and newer.id > assignments.id)`.execute(db);
  await sql`create unique index assignments_live_target on assignments (organisation_id, course_slug, target_key) where withdrawn_at is null`.execute(db);

  // The same external CPD entry is one entry.
  await sql`
    delete from external_cpd where exists (
      select 1 from external_cpd older
      where older.user_id = external_cpd.user_id and older.title = external_cpd.title and older.provider = external_cpd.provider
        and older.activity_date = external_cpd.activity_date and older.hours = external_cpd.hours and older.id < external_cpd.id)`.execute(db);
  await db.schema.createIndex('external_cpd_natural_key').unique().on('external_cpd').columns(['user_id', 'title', 'provider', 'activity_date', 'hours']).execute();

  // A reply form carries a key; the same form sent twice is one reply.
  await db.schema.alterTable('reflection_comments').addColumn('submission_key', 'text').execute();
  await db.schema.createIndex('reflection_comments_submission').unique().on('reflection_comments').columns(['author_user_id', 'submission_key']).execute();

  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_log_at').execute();
  await db.schema.dropIndex('reflection_comments_submission').execute();
  await db.schema.alterTable('reflection_comments').dropColumn('submission_key').execute();
  await db.schema.dropIndex('external_cpd_natural_key').execute();
  await db.schema.dropIndex('assignments_live_target').execute();
  await db.schema.alterTable('assignments').dropColumn('target_key').execute();
  await db.schema.dropTable('reflection_shares').execute();
  for (const column of ['address', 'user_agent', 'password_confirmed_at', 'last_seen_at']) await db.schema.alterTable('sessions').dropColumn(column).execute();
}
