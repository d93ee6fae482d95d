import { describe, expect, test } from 'vitest';
import { getDb } from '#app/utils/db.server.ts';
import { INVITATION_TTL_MS } from '#app/models/accounts.server.ts';
import { loader as personLoader } from '#app/routes/lead.people.$userId.tsx';
import { action as addPerson, loader as peopleLoader } from '#app/routes/lead.people._index.tsx';
import { loader as leadLoader } from '#app/routes/lead._index.tsx';
import { action as adminAction, loader as adminLoader } from '#app/routes/admin._index.tsx';
import { loader as coachLoader } from '#app/routes/coach._index.tsx';
import { action as acceptAction, loader as invitationLoader } from '#app/routes/invitations.$token.tsx';
import { getSessionUser, loadViewer } from '#app/auth/session.server.ts';
import { cookieFor, getRequest, jsonOf, postRequest, run, userIdByEmail, flashOf } from './utils.ts';

const OAKFIELD_LEADER = 'leader@oakfield.example';
const BROOKSIDE_TEACHER = 'teacher@brookside.example';
const OAKFIELD_TEACHER = 'teacher@oakfield.example';

async function organisationId(name: string): Promise<number> {
  return (await getDb().selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

describe('who sees whom', () => {
  test('a leader of one school gets 404 for a member of the other school', async () => {
    const cookie = await cookieFor(OAKFIELD_LEADER);
    const other = await run(personLoader, getRequest('/lead/people/x', cookie), { userId: String(await userIdByEmail(BROOKSIDE_TEACHER)) });
    expect(other.status).toBe(404);
    const own = await run(personLoader, getRequest('/lead/people/x', cookie), { userId: String(await userIdByEmail(OAKFIELD_TEACHER)) });
    expect(own.status).toBe(200);
    expect((await jsonOf(own)).name).toBe('Amina Khan');
  });

  test('a trust leader sees members of every school in the trust', async () => {
    const cookie = await cookieFor('trust.leader@northfield.example');
    const response = await run(personLoader, getRequest('/lead/people/x', cookie), { userId: String(await userIdByEmail(BROOKSIDE_TEACHER)) });
    expect(response.status).toBe(200);
    const people = await jsonOf<{ members: { email: string }[] }>(await run(peopleLoader, getRequest('/lead/people', cookie)));
    const emails = people.members.map((m) => m.email);
    expect(emails).toContain(OAKFIELD_TEACHER);
    expect(emails).toContain(BROOKSIDE_TEACHER);
  });

  test('the people list is searched and paged on the server: 100 at most a page, at trust scale', async () => {
    const oakfield = await getDb().selectFrom('organisations').select('id').where('name', '=', 'Oakfield Primary School').executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    for (let i = 0; i < 150; i += 1) {
      const user = await getDb().insertInto('users').values({ email: `bulk.${i}@oakfield.example`, name: `Bulk Person ${i}`, password_hash: null, created_at: now }).returning('id').executeTakeFirstOrThrow();
      await getDb().insertInto('memberships').values({ user_id: user.id, organisation_id: oakfield.id, deactivated_at: null, created_at: now }).execute();
    }
    type People = { members: { email: string }[]; total: number; pages: number; page: number };
    const cookie = await cookieFor(OAKFIELD_LEADER);
    const first = await jsonOf<People>(await run(peopleLoader, getRequest('/lead/people', cookie)));
    expect(first.members.length).toBe(100);
    expect(first.total).toBeGreaterThan(150);
    expect(first.pages).toBe(2);
    const second = await jsonOf<People>(await run(peopleLoader, getRequest('/lead/people?page=2', cookie)));
    expect(second.members.length).toBe(first.total - 100);
    const found = await jsonOf<People>(await run(peopleLoader, getRequest('/lead/people?q=bulk.14', cookie)));
    expect(found.total).toBe(11); // bulk.14 and bulk.140 to bulk.149
    expect(found.members.every((m) => m.email.startsWith('bulk.14'))).toBe(true);
  });

  test("a leader's people list holds only their own school", async () => {
    const people = await jsonOf<{ members: { email: string }[] }>(await run(peopleLoader, getRequest('/lead/people', await cookieFor(OAKFIELD_LEADER))));
    expect(people.members.length).toBeGreaterThan(10);
    expect(people.members.every((m) => m.email.endsWith('@oakfield.example'))).toBe(true);
  });

  test.each(['abc', '0', '-1', '99999999'])('a person id of %s gets 404', async (userId) => {
    const response = await run(personLoader, getRequest('/lead/people/x', await cookieFor(OAKFIELD_LEADER)), { userId });
    expect(response.status).toBe(404);
  });

  test('a teacher gets 403 on Lead, Coach and Admin pages', async () => {
    const cookie = await cookieFor(OAKFIELD_TEACHER);
    expect((await run(leadLoader, getRequest('/lead', cookie))).status).toBe(403);
    expect((await run(peopleLoader, getRequest('/lead/people', cookie))).status).toBe(403);
    expect((await run(coachLoader, getRequest('/coach', cookie))).status).toBe(403);
    expect((await run(adminLoader, getRequest('/admin', cookie))).status).toBe(403);
  });

  test('a leader is not a platform admin', async () => {
    expect((await run(adminLoader, getRequest('/admin', await cookieFor(OAKFIELD_LEADER)))).status).toBe(403);
  });

  test('signed-out visitors are sent to sign in, with the way back', async () => {
    const response = await run(leadLoader, getRequest('/lead?x=1'));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/sign-in?redirectTo=%2Flead%3Fx%3D1');
  });
});

describe('invitations', () => {
  async function invite(fields: Record<string, string | string[]>, leader = OAKFIELD_LEADER) {
    return run(addPerson, postRequest('/lead/people', fields, await cookieFor(leader)));
  }

  test('a leader adds a member; the one-time link sets a password and signs them in; a second use fails', async () => {
    const oakfield = await organisationId('Oakfield Primary School');
    const response = await invite({ organisationId: String(oakfield), name: 'Nia Roberts', email: 'Nia.Roberts@Oakfield.example', roles: ['teacher', 'coach'] });
    expect(response.status).toBe(302);
    const flash = await flashOf(response);
    expect(flash.message).toMatch(/^Nia Roberts has been added and an invitation is on its way to nia.roberts@oakfield.example/);
    const token = flash.link!.split('/invitations/')[1]!;

    const page = await run(invitationLoader, getRequest(`/invitations/${token}`), { token });
    expect(await jsonOf(page)).toMatchObject({ status: 'valid', email: 'nia.roberts@oakfield.example' });

    const accepted = await run(acceptAction, postRequest(`/invitations/${token}`, { name: 'Nia Roberts', password: 'my own passphrase', confirmPassword: 'my own passphrase' }), { token });
    expect(accepted.status).toBe(302);
    const cookie = accepted.headers.get('set-cookie')!.split(';')[0]!;
    const user = await getSessionUser(getRequest('/learn', cookie));
    expect(user?.memberships[0]?.roles.sort()).toEqual(['coach', 'teacher']);

    const again = await run(invitationLoader, getRequest(`/invitations/${token}`), { token });
    expect(again.status).toBe(410);
    expect(await jsonOf(again)).toMatchObject({ status: 'used', organisationName: 'Oakfield Primary School', invitedByName: 'Oakfield Head' });
    const reuse = await run(acceptAction, postRequest(`/invitations/${token}`, { name: 'X', password: 'another passphrase', confirmPassword: 'another passphrase' }), { token });
    expect(reuse.status).toBe(410);
  });

  test('an invitation expires after 7 days and says who to ask', async () => {
    const oakfield = await organisationId('Oakfield Primary School');
    const invitation = await flashOf(await invite({ organisationId: String(oakfield), name: 'Late Starter', email: 'late@oakfield.example', roles: ['teacher'] }));
    const token = invitation.link!.split('/invitations/')[1]!;
    const past = new Date(Date.now() - INVITATION_TTL_MS - 1000).toISOString();
    await getDb().updateTable('invitations').set({ expires_at: past }).execute();
    const page = await run(invitationLoader, getRequest(`/invitations/${token}`), { token });
    expect(page.status).toBe(410);
    expect(await jsonOf(page)).toMatchObject({ status: 'expired', invitedByName: 'Oakfield Head' });
    const post = await run(acceptAction, postRequest(`/invitations/${token}`, { name: 'Late', password: 'a fine passphrase', confirmPassword: 'a fine passphrase' }), { token });
    expect(post.status).toBe(410);
  });

  test('an unknown or malformed token gets 404', async () => {
    for (const token of ['nope', 'A'.repeat(32)]) {
      expect((await run(invitationLoader, getRequest(`/invitations/${token}`), { token })).status).toBe(404);
    }
  });

  test.each([
    [{ name: '', email: 'someone@oakfield.example', roles: ['teacher'] }, 'name'],
    [{ name: 'Someone', email: 'not-an-email', roles: ['teacher'] }, 'email'],
    [{ name: 'Someone', email: 'teacher@brookside.example', roles: ['teacher'] }, 'email'],
    [{ name: 'Someone', email: 'someone@oakfield.example', roles: [] }, 'roles'],
    [{ name: 'Someone', email: 'someone@oakfield.example', roles: ['headteacher'] }, 'roles'],
  ])('bad member details get a message next to the field and nothing is saved', async (fields, field) => {
    const oakfield = await organisationId('Oakfield Primary School');
    const before = await getDb().selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const response = await invite({ organisationId: String(oakfield), ...fields });
    expect(response.status).toBe(400);
    expect((await jsonOf<{ fieldErrors: Record<string, string> }>(response)).fieldErrors[field]).toBeTruthy();
    const after = await getDb().selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  test("a leader cannot add someone to another school by editing the form's organisation id", async () => {
    const brookside = await organisationId('Brookside Academy');
    const response = await invite({ organisationId: String(brookside), name: 'Sneaky', email: 'sneaky@brookside.example', roles: ['teacher'] });
    expect(response.status).toBe(404);
    expect(await getDb().selectFrom('users').select('id').where('email', '=', 'sneaky@brookside.example').executeTakeFirst()).toBeUndefined();
  });

  test('weak or mismatched passwords on the invitation page get messages and save nothing', async () => {
    const oakfield = await organisationId('Oakfield Primary School');
    const invitation = await flashOf(await invite({ organisationId: String(oakfield), name: 'Weak Pass', email: 'weak@oakfield.example', roles: ['teacher'] }));
    const token = invitation.link!.split('/invitations/')[1]!;
    const weak = await run(acceptAction, postRequest(`/invitations/${token}`, { name: 'Weak Pass', password: 'password', confirmPassword: 'password' }), { token });
    expect(weak.status).toBe(400);
    const mismatch = await run(acceptAction, postRequest(`/invitations/${token}`, { name: 'Weak Pass', password: 'a strong passphrase', confirmPassword: 'another one entirely' }), { token });
    expect((await jsonOf<{ fieldErrors: Record<string, string> }>(mismatch)).fieldErrors.confirmPassword).toMatch(/match/);
    const user = await getDb().selectFrom('users').select('password_hash').where('email', '=', 'weak@oakfield.example').executeTakeFirstOrThrow();
    expect(user.password_hash).toBeNull();
  });
});

describe('platform admin', () => {
  test('creates a school in a trust with its first leader, and the leader is invited', async () => {
    const cookie = await cookieFor('admin@kindred.example');
    const trustId = await organisationId('Northfield Learning Trust');
    const response = await run(adminAction, postRequest('/admin', { name: 'Hillside Primary', kind: 'school', trustId: String(trustId), leaderName: 'Hilary Head', leaderEmail: 'head@hillside.example' }, cookie));
    expect(response.status).toBe(302);
    expect((await flashOf(response)).link).toMatch(/\/invitations\//);
    const listed = await jsonOf<{ organisations: { name: string; trustName: string | null; memberCount: number }[] }>(await run(adminLoader, getRequest('/admin', cookie)));
    expect(listed.organisations.find((o) => o.name === 'Hillside Primary')).toMatchObject({ trustName: 'Northfield Learning Trust', memberCount: 1 });
  });

  test('a duplicate leader email leaves no organisation behind', async () => {
    const cookie = await cookieFor('admin@kindred.example');
    const response = await run(adminAction, postRequest('/admin', { name: 'Ghost School', kind: 'school', trustId: '', leaderName: 'Dup', leaderEmail: OAKFIELD_LEADER }, cookie));
    expect(response.status).toBe(400);
    expect(await getDb().selectFrom('organisations').select('id').where('name', '=', 'Ghost School').executeTakeFirst()).toBeUndefined();
  });
});

describe('a platform admin manages an organisation', () => {
  test('a duplicate name is refused, whatever its case; renaming and moving a school into a trust are audited, and the trust leader sees its staff at once', async () => {
    const { loader: orgLoader, action: orgAction } = await import('#app/routes/admin.organisations.$id.tsx');
    const { ledOrganisationIds } = await import('#app/auth/policy.server.ts');
    const cookie = await cookieFor('admin@kindred.example');
    const duplicate = await run(adminAction, postRequest('/admin', { name: '  oakfield primary school ', kind: 'school', trustId: '', leaderName: 'Dup Head', leaderEmail: 'dup.head@elsewhere.example' }, cookie));
    expect(duplicate.status).toBe(400);
    expect((await jsonOf<{ fieldErrors: Record<string, string> }>(duplicate)).fieldErrors.name).toMatch(/already an organisation with this name/);
    expect(await getDb().selectFrom('users').select('id').where('email', '=', 'dup.head@elsewhere.example').executeTakeFirst()).toBeUndefined();

    await run(adminAction, postRequest('/admin', { name: 'Riverside Primary', kind: 'school', trustId: '', leaderName: 'Rita Head', leaderEmail: 'rita@riverside.example' }, cookie));
    const riverside = await organisationId('Riverside Primary');
    const trust = await organisationId('Northfield Learning Trust');
    const trustLeader = await loadViewer(await userIdByEmail('trust.leader@northfield.example'));
    expect(await ledOrganisationIds(trustLeader)).not.toContain(riverside);

    const taken = await run(orgAction, postRequest(`/admin/organisations/${riverside}`, { name: 'Brookside Academy', trustId: '' }, cookie), { id: String(riverside) });
    expect(taken.status).toBe(400);
    const moved = await run(orgAction, postRequest(`/admin/organisations/${riverside}`, { name: 'Riverside Primary School', trustId: String(trust) }, cookie), { id: String(riverside) });
    expect(moved.status).toBe(302);
    expect((await flashOf(moved)).message).toBe('Saved: Riverside Primary School, part of Northfield Learning Trust.');
    expect(await ledOrganisationIds(trustLeader)).toContain(riverside);
    const audit = await getDb().selectFrom('audit_log').select(['event', 'detail']).where('organisation_id', '=', riverside).where('event', '=', 'organisation_changed').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.detail)).toEqual({ from: { name: 'Riverside Primary', trustId: null }, to: { name: 'Riverside Primary School', trustId: trust } });

    // The page: the trust lists the school; the school's people can be searched.
    type Page = { organisation: { name: string; schools: { name: string }[] }; total: number; people: { name: string; email: string }[] };
    const trustPage = await jsonOf<Page>(await run(orgLoader, getRequest(`/admin/organisations/${trust}`, cookie), { id: String(trust) }));
    expect(trustPage.organisation.schools.map((s) => s.name)).toContain('Riverside Primary School');
    const oakfield = await organisationId('Oakfield Primary School');
    const found = await jsonOf<Page>(await run(orgLoader, getRequest(`/admin/organisations/${oakfield}?q=GRACE`, cookie), { id: String(oakfield) }));
    expect(found.people.map((p) => p.email)).toEqual(['grace.okafor@oakfield.example']);
    const wildcard = await jsonOf<Page>(await run(orgLoader, getRequest(`/admin/organisations/${oakfield}?q=%25`, cookie), { id: String(oakfield) }));
    expect(wildcard.total).toBe(0);

    // Across every organisation, from /admin: where each match is a member.
    type Search = { personSearch: { total: number; people: { email: string; organisationName: string }[] } | null };
    const everywhere = await jsonOf<Search>(await run(adminLoader, getRequest('/admin?person=COACH%40', cookie)));
    expect(everywhere.personSearch!.people.map((p) => `${p.email} ${p.organisationName}`).sort()).toEqual([
      'coach@brookside.example Brookside Academy',
      'coach@oakfield.example Oakfield Primary School',
    ]);
    expect((await jsonOf<Search>(await run(adminLoader, getRequest('/admin', cookie)))).personSearch).toBeNull();
    // Nobody else opens or changes it; an unknown id is 404.
    const leader = await cookieFor(OAKFIELD_LEADER);
    expect((await run(orgLoader, getRequest(`/admin/organisations/${oakfield}`, leader), { id: String(oakfield) })).status).toBe(403);
    expect((await run(orgAction, postRequest(`/admin/organisations/${oakfield}`, { name: 'Mine now', trustId: '' }, leader), { id: String(oakfield) })).status).toBe(403);
    expect((await run(orgLoader, getRequest('/admin/organisations/999999', cookie), { id: '999999' })).status).toBe(404);
    expect(await organisationId('Oakfield Primary School')).toBe(oakfield);
  });
});

describe('a new invitation link', () => {
  test('replaces a lost or expired one; only for people without a password, and only in the leader’s school', async () => {
    const { action: personAction } = await import('#app/routes/lead.people.$userId.tsx');
    const leader = await cookieFor(OAKFIELD_LEADER);
    const oakfield = await organisationId('Oakfield Primary School');
    const first = await flashOf(await run(addPerson, postRequest('/lead/people', { organisationId: String(oakfield), name: 'Lost Link', email: 'lost.link@oakfield.example', roles: ['teacher'] }, leader)));
    const oldToken = first.link!.split('/invitations/')[1]!;
    const userId = String(await userIdByEmail('lost.link@oakfield.example'));
    const renewed = await run(personAction, postRequest('/lead/people/x', { intent: 'invite', organisationId: String(oakfield) }, leader), { userId });
    const newToken = (await flashOf(renewed)).link!.split('/invitations/')[1]!;
    expect(newToken).not.toBe(oldToken);
    expect((await run(invitationLoader, getRequest(`/invitations/${oldToken}`), { token: oldToken })).status).toBe(410);
    expect(await jsonOf(await run(invitationLoader, getRequest(`/invitations/${newToken}`), { token: newToken }))).toMatchObject({ status: 'valid' });

    const hasPassword = String(await userIdByEmail(OAKFIELD_TEACHER));
    expect((await run(personAction, postRequest('/lead/people/x', { intent: 'invite', organisationId: String(oakfield) }, leader), { userId: hasPassword })).status).toBe(400);
    const brookside = await organisationId('Brookside Academy');
    expect((await run(personAction, postRequest('/lead/people/x', { intent: 'invite', organisationId: String(brookside) }, leader), { userId })).status).toBe(404);
  });
});

describe('assigning at trust scale', () => {
  test('beyond 50 people the form lists people only when searched for, at most 50', async () => {
    const { loader: assignmentsLoader } = await import('#app/routes/lead.assignments.tsx');
    const brookside = await getDb().selectFrom('organisations').select('id').where('name', '=', 'Brookside Academy').executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    for (let i = 0; i < 70; i += 1) {
      const user = await getDb().insertInto('users').values({ email: `many.${i}@brookside.example`, name: `Many Person ${i}`, password_hash: null, created_at: now }).returning('id').executeTakeFirstOrThrow();
      await getDb().insertInto('memberships').values({ user_id: user.id, organisation_id: brookside.id, deactivated_at: null, created_at: now }).execute();
    }
    type Form = { targets: { value: string; label: string }[]; personSearch: { total: number; shown: number } };
    const cookie = await cookieFor('leader@brookside.example');
    const plain = await jsonOf<Form>(await run(assignmentsLoader, getRequest('/lead/assignments', cookie)));
    expect(plain.targets.some((t) => t.value.startsWith('person:'))).toBe(false);
    expect(plain.targets.some((t) => t.value.startsWith('role:'))).toBe(true);
    expect(plain.personSearch.total).toBeGreaterThan(70);
    const found = await jsonOf<Form>(await run(assignmentsLoader, getRequest('/lead/assignments?person=many%20person%201', cookie)));
    const people = found.targets.filter((t) => t.value.startsWith('person:'));
    expect(people.length).toBe(11); // 1 and 10 to 19
    expect(people.every((p) => p.label.startsWith('Many Person 1'))).toBe(true);
    const many = await jsonOf<Form>(await run(assignmentsLoader, getRequest('/lead/assignments?person=many', cookie)));
    expect(many.targets.filter((t) => t.value.startsWith('person:')).length).toBe(50);
  });
});
