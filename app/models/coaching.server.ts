import { AccessDenied, coachedPeopleQuery, coachesOf, isCoachOf, mayReadReflection } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { cachedUntilWrite, type WriteCache } from '#app/utils/cached-until-write.server.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { queueCoachNotice } from '#app/mail/messages.server.ts';

// Reflections are private until their author shares them; then the author's coaches may read
// them and reply. Leaders never read reflection text: nothing here is reachable from /lead.

/**
 * Shares a reflection with the author's coaches of this moment, or stops sharing it with anyone.
 * A coach who joins later sees it only if the author shares it again. Returns the names of the
 * coaches it is now shared with, or null when the author has no such reflection.
 */
export async function setReflectionShared(viewer: SessionUser, courseSlug: string, moduleSlug: string, itemId: string, shared: boolean): Promise<string[] | null> {
  const at = nowIso();
  const coaches = shared ? await coachesOf(viewer.id) : [];
  return getDb()
    .transaction()
    .execute(async (trx) => {
      const reflection = await trx
        .selectFrom('reflection_responses')
        .select('id')
        .where('user_id', '=', viewer.id)
        .where('course_slug', '=', courseSlug)
        .where('module_slug', '=', moduleSlug)
        .where('item_id', '=', itemId)
        .executeTakeFirst();
      if (!reflection) return null;
      if (!shared || coaches.length === 0) {
        await trx.deleteFrom('reflection_shares').where('reflection_id', '=', reflection.id).execute();
        await trx.updateTable('reflection_responses').set({ shared_at: null }).where('id', '=', reflection.id).execute();
        return [];
      }
      await trx.updateTable('reflection_responses').set({ shared_at: at }).where('id', '=', reflection.id).execute();
      const already = new Set((await trx.selectFrom('reflection_shares').select('coach_user_id').where('reflection_id', '=', reflection.id).execute()).map((r) => r.coach_user_id));
      const newCoaches = coaches.filter((c) => !already.has(c.userId)).map((c) => c.userId);
      await trx
        .insertInto('reflection_shares')
        .values(coaches.map((c) => ({ reflection_id: reflection.id, coach_user_id: c.userId, shared_at: at })))
        .onConflict((oc) => oc.columns(['reflection_id', 'coach_user_id']).doNothing())
        .execute();
      // Coaches hear of a reflection newly shared with them; sharing again tells nobody twice.
      await queueCoachNotice(trx, viewer.id, 'reflection-shared', newCoaches);
      const names = await trx.selectFrom('reflection_shares as s').innerJoin('users as u', 'u.id', 's.coach_user_id').select('u.name').where('s.reflection_id', '=', reflection.id).orderBy('u.name').execute();
      return names.map((n) => n.name);
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

/** The reflections `ownerId` shared with the viewer, who must coach them now, with their threads. */
export async function sharedReflectionsOf(viewer: SessionUser, ownerId: number): Promise<SharedReflection[]> {
  if (!(await isCoachOf(viewer.id, ownerId))) throw new AccessDenied('not their coach');
  const rows = await getDb()
    .selectFrom('reflection_responses as r')
    .innerJoin('reflection_shares as s', (join) => join.onRef('s.reflection_id', '=', 'r.id').on('s.coach_user_id', '=', viewer.id))
    .select(['r.id', 'r.course_slug', 'r.module_slug', 'r.item_id', 'r.body', 'r.saved_at', 's.shared_at'])
    .where('r.user_id', '=', ownerId)
    .where('r.shared_at', 'is not', null)
    .orderBy('r.saved_at', 'desc')
    .execute();
  const comments = await commentsFor(rows.map((r) => r.id), ownerId);
  return rows.map((r) => ({ id: r.id, courseSlug: r.course_slug, moduleSlug: r.module_slug, itemId: r.item_id, body: r.body, savedAt: r.saved_at, sharedAt: r.shared_at, comments: comments.get(r.id) ?? [] }));
}

/** A learner's own reflections in one module, with who each is shared with and the threads (for the module page). */
type OwnThreads = Record<string, { reflectionId: number; shared: boolean; sharedWith: string[]; comments: Comment[] }>;

// Read on every module page; kept until a reflection, a comment, a share or a name changes.
const ownThreadsCache: WriteCache = { name: "a learner's reflection threads", tables: ['reflection_responses', 'reflection_comments', 'reflection_shares', 'users'], maxEntries: 5_000 };

/** Shared with later callers until a write: callers must not change what they get. */
export function ownReflectionThreads(viewer: SessionUser, courseSlug: string, moduleSlug: string): Promise<OwnThreads> {
  return cachedUntilWrite(ownThreadsCache, JSON.stringify([viewer.id, courseSlug, moduleSlug]), () => readOwnReflectionThreads(viewer, courseSlug, moduleSlug));
}

async function readOwnReflectionThreads(viewer: SessionUser, courseSlug: string, moduleSlug: string): Promise<OwnThreads> {
  const rows = await getDb()
    .selectFrom('reflection_responses')
    .select(['id', 'item_id', 'shared_at'])
    .where('user_id', '=', viewer.id)
    .where('course_slug', '=', courseSlug)
    .where('module_slug', '=', moduleSlug)
    .execute();
  const ids = rows.map((r) => r.id);
  const [comments, shares] = await Promise.all([
    commentsFor(ids, viewer.id),
    ids.length === 0
      ? Promise.resolve([])
      : getDb().selectFrom('reflection_shares as s').innerJoin('users as u', 'u.id', 's.coach_user_id').select(['s.reflection_id', 'u.name']).where('s.reflection_id', 'in', ids).orderBy('u.name').execute(),
  ]);
  return Object.fromEntries(
    rows.map((r) => [
      r.item_id,
      { reflectionId: r.id, shared: r.shared_at !== null, sharedWith: shares.filter((s) => s.reflection_id === r.id).map((s) => s.name), comments: comments.get(r.id) ?? [] },
    ]),
  );
}

/**
 * Adds a comment to a shared reflection: by its author, or by a coach it was shared with who
 * coaches the author now. Anything else is AccessDenied. The same reply form sent twice (the
 * same submission key) is stored once, even when both arrive at the same moment.
 */
export async function addComment(viewer: SessionUser, reflectionId: number, body: string, submissionKey: string | null): Promise<void> {
  const access = await mayReadReflection(viewer, reflectionId);
  const reflection = access ? await getDb().selectFrom('reflection_responses').select('shared_at').where('id', '=', reflectionId).executeTakeFirst() : undefined;
  if (!access || !reflection || reflection.shared_at === null) throw new AccessDenied('reflection');
  const at = nowIso();
  await getDb()
    .transaction()
    .execute(async (trx) => {
      if (submissionKey === null) {
        // A form without a key: the same text just sent by the same person is a double submit.
        const last = await trx.selectFrom('reflection_comments').select(['author_user_id', 'body']).where('reflection_id', '=', reflectionId).orderBy('id', 'desc').executeTakeFirst();
        if (last && last.author_user_id === viewer.id && last.body === body) return;
      }
      const inserted = await trx
        .insertInto('reflection_comments')
        .values({ reflection_id: reflectionId, author_user_id: viewer.id, body, created_at: at, read_by_owner_at: access.ownerId === viewer.id ? at : null, submission_key: submissionKey })
        .onConflict((oc) => oc.columns(['author_user_id', 'submission_key']).doNothing())
        .executeTakeFirst();
      // The teacher answered: the coaches it is shared with hear of it (once, even on a double submit).
      if (access.ownerId === viewer.id && Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) {
        const sharedWith = await trx.selectFrom('reflection_shares').select('coach_user_id').where('reflection_id', '=', reflectionId).execute();
        await queueCoachNotice(trx, viewer.id, 'reflection-reply', sharedWith.map((r) => r.coach_user_id));
      }
    });
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

export interface AwaitingAnswer {
  reflectionId: number;
  ownerId: number;
  ownerName: string;
  courseSlug: string;
  moduleSlug: string;
  itemId: string;
  /** When the teacher last wrote: the share, or their latest reply. */
  since: string;
  kind: 'shared' | 'replied';
}

/**
 * Reflections shared with the viewer, by people they coach now, whose thread waits on the coach:
 * nothing said yet, or the teacher spoke last. Newest first.
 */
export async function awaitingAnswer(viewer: SessionUser, limit = 20): Promise<AwaitingAnswer[]> {
  const rows = await coachedPeopleQuery(viewer.id)
    .innerJoin('reflection_responses as r', 'r.user_id', 'gm.user_id')
    .innerJoin('reflection_shares as s', (join) => join.onRef('s.reflection_id', '=', 'r.id').on('s.coach_user_id', '=', viewer.id))
    .select((eb) => [
      'r.id',
      'r.user_id',
      'u.name',
      'r.course_slug',
      'r.module_slug',
      'r.item_id',
      's.shared_at',
      eb.selectFrom('reflection_comments as c').whereRef('c.reflection_id', '=', 'r.id').select('c.author_user_id').orderBy('c.id', 'desc').limit(1).as('lastAuthor'),
      eb.selectFrom('reflection_comments as c').whereRef('c.reflection_id', '=', 'r.id').select('c.created_at').orderBy('c.id', 'desc').limit(1).as('lastAt'),
    ])
    .where('r.shared_at', 'is not', null)
    .distinct()
    .execute();
  return rows
    .filter((r) => r.lastAuthor === null || r.lastAuthor === r.user_id)
    .map((r) => ({ reflectionId: r.id, ownerId: r.user_id, ownerName: r.name, courseSlug: r.course_slug, moduleSlug: r.module_slug, itemId: r.item_id, since: r.lastAt ?? r.shared_at, kind: r.lastAuthor === null ? ('shared' as const) : ('replied' as const) }))
    .sort((a, b) => b.since.localeCompare(a.since))
    .slice(0, limit);
}
