import { getDb, nowIso } from '#app/utils/db.server.ts';
import { queueCoachNotice } from '#app/mail/messages.server.ts';
import { isCoachOf } from './groups.server.ts';

// Reflections are private until their author shares them; then the author's coaches may read
// them and reply. Leaders never read reflection text: nothing here is reachable from /lead.

export async function setReflectionShared(userId: number, courseSlug: string, moduleSlug: string, itemId: string, shared: boolean): Promise<boolean> {
  return getDb().transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('reflection_responses')
      .select('shared_at')
      .where('user_id', '=', userId)
      .where('course_slug', '=', courseSlug)
      .where('module_slug', '=', moduleSlug)
      .where('item_id', '=', itemId)
      .executeTakeFirst();
    if (!before) return false;
    await trx
      .updateTable('reflection_responses')
      .set({ shared_at: shared ? nowIso() : null })
      .where('user_id', '=', userId)
      .where('course_slug', '=', courseSlug)
      .where('module_slug', '=', moduleSlug)
      .where('item_id', '=', itemId)
      .execute();
    // Coaches hear about a newly shared reflection; sharing one that was shared already says nothing new.
    if (shared && before.shared_at === null) await queueCoachNotice(trx, userId, 'reflection-shared');
    return true;
  });
}

export interface Comment {
  id: number;
  authorName: string;
  byOwner: boolean;
  body: string;
  createdAt: string;
  unread: boolean;
}

export interface SharedReflection {
  id: number;
  courseSlug: string;
  moduleSlug: string;
  itemId: string;
  body: string;
  savedAt: string;
  sharedAt: string;
  comments: Comment[];
}

async function commentsFor(reflectionIds: number[], ownerId: number): Promise<Map<number, Comment[]>> {
  const byReflection = new Map<number, Comment[]>();
  if (reflectionIds.length === 0) return byReflection;
  const rows = await getDb()
    .selectFrom('reflection_comments as c')
    .innerJoin('users as u', 'u.id', 'c.author_user_id')
    .select(['c.id', 'c.reflection_id', 'u.name', 'c.author_user_id', 'c.body', 'c.created_at', 'c.read_by_owner_at'])
    .where('c.reflection_id', 'in', reflectionIds)
    .orderBy('c.created_at')
    .orderBy('c.id')
    .execute();
  for (const row of rows) {
    const list = byReflection.get(row.reflection_id) ?? [];
    list.push({ id: row.id, authorName: row.name, byOwner: row.author_user_id === ownerId, body: row.body, createdAt: row.created_at, unread: row.author_user_id !== ownerId && row.read_by_owner_at === null });
    byReflection.set(row.reflection_id, list);
  }
  return byReflection;
}

/** The reflections a teacher has shared, with their threads: what their coach may read. */
export async function sharedReflectionsOf(ownerId: number): Promise<SharedReflection[]> {
  const rows = await getDb()
    .selectFrom('reflection_responses')
    .select(['id', 'course_slug', 'module_slug', 'item_id', 'body', 'saved_at', 'shared_at'])
    .where('user_id', '=', ownerId)
    .where('shared_at', 'is not', null)
    .orderBy('saved_at', 'desc')
    .execute();
  const comments = await commentsFor(rows.map((r) => r.id), ownerId);
  return rows.map((r) => ({ id: r.id, courseSlug: r.course_slug, moduleSlug: r.module_slug, itemId: r.item_id, body: r.body, savedAt: r.saved_at, sharedAt: r.shared_at!, comments: comments.get(r.id) ?? [] }));
}

/** A learner's own reflections in one module, with sharing state and threads (for the module page). */
export async function ownReflectionThreads(ownerId: number, courseSlug: string, moduleSlug: string): Promise<Record<string, { reflectionId: number; shared: boolean; comments: Comment[] }>> {
  const rows = await getDb()
    .selectFrom('reflection_responses')
    .select(['id', 'item_id', 'shared_at'])
    .where('user_id', '=', ownerId)
    .where('course_slug', '=', courseSlug)
    .where('module_slug', '=', moduleSlug)
    .execute();
  const comments = await commentsFor(rows.map((r) => r.id), ownerId);
  return Object.fromEntries(rows.map((r) => [r.item_id, { reflectionId: r.id, shared: r.shared_at !== null, comments: comments.get(r.id) ?? [] }]));
}

export type CommentResult = 'ok' | 'not-found';

/**
 * Adds a comment to a shared reflection. Its author may answer; so may a coach of the author.
 * Anyone else, or a reflection that is not shared, is "not found".
 */
export async function addComment(reflectionId: number, authorId: number, body: string): Promise<CommentResult> {
  const db = getDb();
  const reflection = await db.selectFrom('reflection_responses').select(['user_id', 'shared_at']).where('id', '=', reflectionId).executeTakeFirst();
  if (!reflection || reflection.shared_at === null) return 'not-found';
  if (reflection.user_id !== authorId && !(await isCoachOf(authorId, reflection.user_id))) return 'not-found';
  // The same reply sent twice (a double submit) is kept once.
  const last = await db.selectFrom('reflection_comments').select(['author_user_id', 'body']).where('reflection_id', '=', reflectionId).orderBy('id', 'desc').executeTakeFirst();
  if (last && last.author_user_id === authorId && last.body === body) return 'ok';
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('reflection_comments')
      .values({ reflection_id: reflectionId, author_user_id: authorId, body, created_at: nowIso(), read_by_owner_at: reflection.user_id === authorId ? nowIso() : null })
      .execute();
    if (reflection.user_id === authorId) await queueCoachNotice(trx, authorId, 'reflection-reply');
  });
  return 'ok';
}

/** The owner has seen the replies on these reflections (the module page marks them read). */
export async function markRepliesRead(ownerId: number, courseSlug: string, moduleSlug: string): Promise<void> {
  const db = getDb();
  await db
    .updateTable('reflection_comments')
    .set({ read_by_owner_at: nowIso() })
    .where('read_by_owner_at', 'is', null)
    .where('reflection_id', 'in', (eb) =>
      eb.selectFrom('reflection_responses').select('id').where('user_id', '=', ownerId).where('course_slug', '=', courseSlug).where('module_slug', '=', moduleSlug),
    )
    .execute();
}

export interface ReplySummary {
  courseSlug: string;
  moduleSlug: string;
  itemId: string;
  authorName: string;
  body: string;
  createdAt: string;
  unread: boolean;
}

/** Recent replies from coaches on a learner's reflections, newest first, for /learn. */
export async function recentReplies(ownerId: number, limit = 10): Promise<ReplySummary[]> {
  const rows = await getDb()
    .selectFrom('reflection_comments as c')
    .innerJoin('reflection_responses as r', 'r.id', 'c.reflection_id')
    .innerJoin('users as u', 'u.id', 'c.author_user_id')
    .select(['r.course_slug', 'r.module_slug', 'r.item_id', 'u.name', 'c.body', 'c.created_at', 'c.read_by_owner_at'])
    .where('r.user_id', '=', ownerId)
    .where('c.author_user_id', '!=', ownerId)
    .orderBy('c.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ courseSlug: r.course_slug, moduleSlug: r.module_slug, itemId: r.item_id, authorName: r.name, body: r.body, createdAt: r.created_at, unread: r.read_by_owner_at === null }));
}
