import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashPassword, PUBLISHED_DEMO_PASSWORD } from '#app/auth/password.server.ts';
import { createMember, createOrganisation, createUser, makePlatformAdmin } from './factories.ts';
import { releaseLease, takeLease } from './leases.ts';
import type { Database } from './schema.ts';

/** The one demo password, documented in the README. */
export const DEMO_PASSWORD = PUBLISHED_DEMO_PASSWORD;

export interface DemoSchool {
  slug: string;
  name: string;
  teachers: string[];
}

export const DEMO_TRUST = { name: 'Northfield Learning Trust', domain: 'northfield.example' };
export const DEMO_SCHOOLS: DemoSchool[] = [
  {
    slug: 'oakfield',
    name: 'Oakfield Primary School',
    teachers: ['Amina Khan', 'Tom Brennan', 'Grace Okafor', 'Daniel Hughes', 'Priya Patel', 'Sophie Walsh', 'Kwame Mensah', 'Hannah Lewis', 'Joe Nowak', 'Ellie Thompson', 'Rhys Morgan', 'Zara Ahmed'],
  },
  {
    slug: 'brookside',
    name: 'Brookside Academy',
    teachers: ['Layla Rahman', 'Sean Doyle', 'Funmi Adeyemi', 'Owen Price', 'Nisha Shah', 'Ciara Byrne', 'Kofi Owusu', 'Megan Evans', 'Piotr Kowalski', 'Lucy Baker', 'Gethin Jenkins', 'Yusuf Hussain'],
  },
];

function emailFor(name: string, domain: string): string {
  return `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@${domain}`;
}

/** A trust of two schools: a trust leader; per school a leader, two coaches and twelve teachers; one admin. */
export async function seedDemoData(db: Kysely<Database>): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db.transaction().execute(async (trx) => {
    const adminId = await createUser(trx, { name: 'Ada Admin', email: 'admin@kindred.example', passwordHash });
    await makePlatformAdmin(trx, adminId);

    const trustId = await createOrganisation(trx, { name: DEMO_TRUST.name, kind: 'trust' });
    await createMember(trx, trustId, ['leader'], { name: 'Morgan Ellis', email: `trust.leader@${DEMO_TRUST.domain}`, passwordHash });

    for (const school of DEMO_SCHOOLS) {
      const domain = `${school.slug}.example`;
      const schoolId = await createOrganisation(trx, { name: school.name, kind: 'school', trustId });
      await createMember(trx, schoolId, ['leader', 'teacher'], { name: `${capitalise(school.slug)} Head`, email: `leader@${domain}`, passwordHash });
      for (const n of [1, 2]) {
        await createMember(trx, schoolId, ['coach', 'teacher'], { name: `${capitalise(school.slug)} Coach ${n}`, email: n === 1 ? `coach@${domain}` : `coach${n}@${domain}`, passwordHash });
      }
      for (const [index, name] of school.teachers.entries()) {
        const email = index === 0 ? `teacher@${domain}` : emailFor(name, domain);
        await createMember(trx, schoolId, ['teacher'], { name, email, passwordHash });
      }
    }
  });
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** How long a process may take to seed before another may try: the seed takes seconds. */
const SEED_LEASE_MS = 10 * 60_000;

/**
 * The demo for people trying Kindred: the demo data, then (unless `activity` is false) some
 * activity in it (db/demo-activity.ts, which writes through the app's own database handle).
 * Two processes starting together on a new database: one seeds, the other starts without it.
 */
export async function seedDemoDataIfEmpty(db: Kysely<Database>, { activity = true } = {}): Promise<boolean> {
  const isEmpty = async () => (await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count === 0;
  if (!(await isEmpty())) return false;
  const holder = `seed:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  if (!(await takeLease(db, 'demo-seed', holder, SEED_LEASE_MS))) return false;
  try {
    // Another process may have seeded and let go between the first look and the lease.
    if (!(await isEmpty())) return false;
    await seedDemoData(db);
    if (activity) {
      const { seedDemoActivity } = await import('./demo-activity.ts');
      await seedDemoActivity(db);
    }
    return true;
  } finally {
    await releaseLease(db, 'demo-seed', holder);
  }
}
