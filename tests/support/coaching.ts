import { loadViewer } from '#app/auth/session.server.ts';
import { getDb } from '#app/utils/db.server.ts';
import { addGroupMember, createGroup } from '#app/models/groups.server.ts';
import { userIdByEmail } from '../utils.ts';

export async function organisationIdByName(name: string): Promise<number> {
  return (await getDb().selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

/** A coaching group at a school, its coach, and its members, by email. */
export async function makeGroup(school: string, name: string, coachEmail: string, memberEmails: string[]): Promise<number> {
  const organisationId = await organisationIdByName(school);
  const leader = await loadViewer(await userIdByEmail('trust.leader@northfield.example'));
  const groupId = await createGroup(leader, organisationId, name, await userIdByEmail(coachEmail));
  for (const email of memberEmails) await addGroupMember(leader, groupId, await userIdByEmail(email));
  return groupId;
}
