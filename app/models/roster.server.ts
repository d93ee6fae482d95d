import type { Transaction } from 'kysely';
import { z } from 'zod';
import { ROLES, type Database, type Role } from '#db/schema.ts';
import { joinedText } from '#db/dialect.ts';
import { getDb, nowIso } from '#app/utils/db.server.ts';
import { AccessDenied, assertLeads } from '#app/auth/policy.server.ts';
import type { SessionUser } from '#app/auth/session.server.ts';
import { CsvSyntaxError, parseCsvRecords, type CsvRecord } from '#app/utils/csv.ts';
import { unsafeTextReason } from '#app/utils/forms.ts';
import { DuplicateEmailError, normaliseEmail } from './accounts.server.ts';
import { insertInvitedMembers } from './invite-many.server.ts';
import { recordAudit } from './audit.server.ts';

// Importing a staff list: parse, compare with who is there, preview every row's outcome, and only
// on confirmation write all valid rows in one transaction. Importing the same file twice changes
// nothing the second time.

export const MAX_ROSTER_ROWS = 2000;
const REQUIRED_COLUMNS = ['name', 'email', 'roles'] as const;

export type RowOutcome = 'new' | 'updated' | 'unchanged' | 'error';

export interface RosterRow {
  line: number;
  name: string;
  email: string;
  roles: Role[];
  group: string;
  outcome: RowOutcome;
  detail: string;
  /** Set for existing members: their user id. */
  userId: number | null;
}

export interface RosterPreview {
  fileError: string | null;
  rows: RosterRow[];
  counts: Record<RowOutcome, number>;
}

const emailSchema = z.email();

function countOutcomes(rows: RosterRow[]): Record<RowOutcome, number> {
  const counts: Record<RowOutcome, number> = { new: 0, updated: 0, unchanged: 0, error: 0 };
  for (const row of rows) counts[row.outcome] += 1;
  return counts;
}

function fileProblem(message: string): RosterPreview {
  return { fileError: message, rows: [], counts: { new: 0, updated: 0, unchanged: 0, error: 0 } };
}

/** Header names people use in school spreadsheets (MIS exports, Excel), mapped to ours. */
const COLUMN_ALIASES: Record<string, string> = {
  'full name': 'name',
  'email address': 'email',
  'e-mail': 'email',
  'e-mail address': 'email',
  'work email': 'email',
  role: 'roles',
  'coaching group': 'group',
  forename: 'first name',
  'given name': 'first name',
  firstname: 'first name',
  surname: 'last name',
  'family name': 'last name',
  lastname: 'last name',
};

function canonicalColumn(raw: string): string {
  const name = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  return COLUMN_ALIASES[name] ?? name;
}

/** Compares a CSV staff list with the organisation: every row's outcome, nothing written. */
export async function previewRoster(viewer: SessionUser, organisationId: number, text: string): Promise<RosterPreview> {
  await assertLeads(viewer, organisationId);
  if (text.includes('\u0000')) return fileProblem('This file is not a CSV file. Save your spreadsheet as “CSV (comma-separated values)” and try again.');
  let records: CsvRecord[];
  try {
    records = parseCsvRecords(text).filter((r) => r.cells.some((cell) => cell.trim() !== ''));
  } catch (error) {
    if (error instanceof CsvSyntaxError) return fileProblem(`${error.message} Nothing was imported.`);
    throw error;
  }
  const table = records.map((r) => r.cells);
  if (table.length === 0) return fileProblem('The file is empty. It needs a header row (name, email, roles, group) and a row per person.');
  const header = table[0]!.map(canonicalColumn);
  // A spreadsheet with first and last names instead of one name column.
  const splitName = !header.includes('name') && header.includes('first name') && header.includes('last name');
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c) && !(c === 'name' && splitName));
  if (missing.length > 0) {
    return fileProblem(`The file has no ${missing.map((m) => `“${m}”`).join(' or ')} column. The first row must name the columns: name, email, roles, and optionally group.`);
  }
  const dataRows = table.slice(1);
  if (dataRows.length > MAX_ROSTER_ROWS) {
    return fileProblem(`The file has ${dataRows.length.toLocaleString('en-GB')} rows; import at most ${MAX_ROSTER_ROWS.toLocaleString('en-GB')} at a time. Nothing was imported.`);
  }
  const column = (name: string) => header.indexOf(name);
  const db = getDb();
  const [existing, groups] = await Promise.all([
    db
      .selectFrom('users as u')
      .leftJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'u.id').on('m.organisation_id', '=', organisationId))
      .select((eb) => [
        'u.id',
        'u.email',
        'u.name',
        'm.id as membershipId',
        eb.selectFrom('membership_roles as r').whereRef('r.membership_id', '=', 'm.id').select(joinedText(db, 'r.role').as('x')).as('roles'),
      ])
      .where(
        'u.email',
        'in',
        dataRows.map((r) => normaliseEmail(r[column('email')] ?? '')).filter(Boolean).concat(['']),
      )
      .execute(),
    db
      .selectFrom('groups as g')
      .select((eb) => [
        'g.id',
        'g.name',
        eb.selectFrom('group_members as gm').whereRef('gm.group_id', '=', 'g.id').select(joinedText(db, 'gm.user_id').as('x')).as('memberIds'),
      ])
      .where('g.organisation_id', '=', organisationId)
      .execute(),
  ]);
  const byEmail = new Map(existing.map((u) => [u.email, u]));
  const groupByName = new Map(groups.map((g) => [g.name.toLowerCase(), { id: g.id, name: g.name, members: new Set(String(g.memberIds ?? '').split(',').filter(Boolean).map(Number)) }]));
  const seen = new Map<string, number>();

  const rows: RosterRow[] = dataRows.map((cells, index) => {
    const line = records[index + 1]!.line;
    const name = (splitName ? `${(cells[column('first name')] ?? '').trim()} ${(cells[column('last name')] ?? '').trim()}` : (cells[column('name')] ?? '')).trim().normalize('NFC');
    const email = normaliseEmail(cells[column('email')] ?? '');
    const rawRoles = (cells[column('roles')] ?? '').trim().toLowerCase();
    const group = column('group') >= 0 ? (cells[column('group')] ?? '').trim() : '';
    const roleNames = rawRoles.split(/[\s,;|/]+/).filter(Boolean);
    const roles = [...new Set(roleNames)].filter((r): r is Role => (ROLES as readonly string[]).includes(r)).sort();
    const row: RosterRow = { line, name, email, roles, group, outcome: 'error', detail: '', userId: null };
    const fail = (detail: string) => ({ ...row, detail });
    if (!name) return fail('The name is missing.');
    if (name.length > 120) return fail('The name is longer than 120 characters.');
    const unsafe = unsafeTextReason(name);
    if (unsafe) return fail(`${unsafe} from the name.`);
    if (!emailSchema.safeParse(email).success) return fail(`“${cells[column('email')] ?? ''}” is not an email address.`);
    const unknownRole = roleNames.find((r) => !(ROLES as readonly string[]).includes(r));
    if (unknownRole) return fail(`“${unknownRole}” is not a role: use teacher, coach or leader.`);
    if (roles.length === 0) return fail('No role: give teacher, coach or leader.');
    const groupInfo = group ? groupByName.get(group.toLowerCase()) : undefined;
    if (group && !groupInfo) return fail(`There is no group called “${group}” at this school. Create it first, or leave the group empty.`);
    const firstLine = seen.get(email);
    if (firstLine !== undefined) return fail(`The same email as line ${firstLine}.`);
    seen.set(email, line);

    const person = byEmail.get(email);
    if (!person) return { ...row, outcome: 'new', detail: 'A new person: they will get an invitation link.' };
    // Whether the address belongs to someone elsewhere is not this leader's to know.
    if (!person.membershipId) return fail('This email address cannot be added here.');
    const changes: string[] = [];
    if (person.name !== name) changes.push(`name from “${person.name}”`);
    const currentRoles = String(person.roles ?? '').split(',').filter(Boolean).sort();
    if (person.id === viewer.id && currentRoles.join(',') !== roles.join(',')) return fail('You cannot change your own roles: ask another leader or a platform admin.');
    if (currentRoles.join(',') !== roles.join(',')) changes.push(`roles from ${currentRoles.join(', ') || 'none'}`);
    if (groupInfo && !groupInfo.members.has(person.id)) changes.push(`added to ${groupInfo.name}`);
    return { ...row, userId: person.id, outcome: changes.length ? 'updated' : 'unchanged', detail: changes.length ? `Changes: ${changes.join('; ')}.` : 'Already up to date.' };
  });
  // Rows that need fixing first: they are what the leader has to act on.
  rows.sort((a, b) => Number(b.outcome === 'error') - Number(a.outcome === 'error') || a.line - b.line);
  return { fileError: null, rows, counts: countOutcomes(rows) };
}

/** A seam for the test of a change that lands between the re-check and the write. */
export const rosterHooks = { beforeWrite: async (): Promise<void> => {} };

export interface AppliedRoster extends RosterPreview {
  invitations: { name: string; email: string; token: string }[];
}

/** Writes every valid row in one transaction; a failure writes nothing. */
export async function applyRoster(viewer: SessionUser, organisationId: number, text: string): Promise<AppliedRoster> {
  const preview = await previewRoster(viewer, organisationId, text);
  if (preview.fileError) return { ...preview, invitations: [] };
  const actorId = viewer.id;
  const invitations: AppliedRoster['invitations'] = [];
  try {
    await rosterHooks.beforeWrite();
    await writeRoster(organisationId, preview, actorId, invitations);
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      return { ...fileProblem(`Someone with the email address ${error.message} was added while you were importing, so nothing was imported. Preview the file again.`), invitations: [] };
    }
    throw error;
  }
  return { ...preview, invitations };
}

async function writeRoster(organisationId: number, preview: RosterPreview, actorId: number, invitations: AppliedRoster['invitations']): Promise<void> {
  await getDb()
    .transaction()
    .execute(async (trx) => {
      const groupIds = new Map((await trx.selectFrom('groups').select(['id', 'name']).where('organisation_id', '=', organisationId).execute()).map((g) => [g.name.toLowerCase(), g.id]));
      const newRows = preview.rows.filter((row) => row.outcome === 'new');
      const invited = await insertInvitedMembers(trx, organisationId, newRows.map((row) => ({ name: row.name, email: row.email, roles: row.roles })), actorId);
      for (const [i, row] of newRows.entries()) {
        invitations.push({ name: row.name, email: row.email, token: invited[i]!.token });
        await joinGroup(trx, groupIds.get(row.group.toLowerCase()), invited[i]!.userId, organisationId, actorId);
      }
      for (const row of preview.rows) {
        if (row.outcome === 'updated' && row.userId !== null) {
          await updateMember(trx, organisationId, row, actorId);
          await joinGroup(trx, groupIds.get(row.group.toLowerCase()), row.userId, organisationId, actorId);
        }
      }
      await recordAudit({ event: 'roster_imported', actorUserId: actorId, organisationId, detail: preview.counts }, trx);
    });
}

async function joinGroup(trx: Transaction<Database>, groupId: number | undefined, userId: number, organisationId: number, actorId: number) {
  if (groupId === undefined) return;
  const added = await trx.insertInto('group_members').values({ group_id: groupId, user_id: userId, added_at: nowIso() }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (Number(added.numInsertedOrUpdatedRows ?? 0n) > 0) {
    await recordAudit({ event: 'group_member_added', actorUserId: actorId, subjectUserId: userId, organisationId, detail: { group: groupId, by: 'import' } }, trx);
  }
}

async function updateMember(trx: Transaction<Database>, organisationId: number, row: RosterRow, actorId: number) {
  const userId = row.userId!;
  await trx.updateTable('users').set({ name: row.name }).where('id', '=', userId).execute();
  const membership = await trx.selectFrom('memberships').select('id').where('user_id', '=', userId).where('organisation_id', '=', organisationId).executeTakeFirstOrThrow();
  const current = (await trx.selectFrom('membership_roles').select('role').where('membership_id', '=', membership.id).execute()).map((r) => r.role).sort();
  if (current.join(',') !== row.roles.join(',')) {
    if (userId === actorId) throw new AccessDenied('own roles');
    await trx.deleteFrom('membership_roles').where('membership_id', '=', membership.id).execute();
    await trx.insertInto('membership_roles').values(row.roles.map((role) => ({ membership_id: membership.id, role }))).execute();
    await recordAudit({ event: 'role_changed', actorUserId: actorId, subjectUserId: userId, organisationId, detail: { from: current, to: row.roles } }, trx);
  }
}
