import { sql } from 'kysely';
import { getDb } from '#app/utils/db.server.ts';

// For monitoring: 200 when the database answers, 503 when it does not.
export async function loader() {
  try {
    await sql`select 1`.execute(getDb());
    return Response.json({ status: 'ok', database: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    console.error('[healthz] database check failed', error);
    return Response.json({ status: 'error', database: 'unavailable' }, { status: 503, headers: { 'Cache-Control': 'no-store' } });
  }
}
