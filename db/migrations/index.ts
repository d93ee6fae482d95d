import type { Migration } from 'kysely';
import * as foundation from './001-foundation.ts';
import * as learning from './002-learning.ts';
import * as certificates from './003-certificates.ts';
import * as coaching from './004-coaching.ts';
import * as housekeeping from './005-housekeeping.ts';
import * as reportIndexes from './006-report-indexes.ts';
import * as hardening from './007-hardening.ts';
import * as email from './008-email.ts';
import * as keptDrafts from './009-kept-drafts.ts';
import * as singleSignOn from './010-single-sign-on.ts';
import * as credentialsAndDataRights from './011-credentials-and-data-rights.ts';
import * as leases from './012-leases.ts';
import * as practiceCycles from './013-practice-cycles.ts';
import * as writeVersions from './014-write-versions.ts';

// Migrations run unchanged on SQLite and PostgreSQL (docs/decisions/016-postgresql-and-scale-out.md):
// - id columns: `.addColumn('id', 'integer', identity(db))`, never `.autoIncrement()`;
// - no 'real': `decimal(db)` for fractions; booleans are integer 0/1; JSON is text;
// - timestamps and dates are ISO-8601 UTC text ('2026-12-03T06:00:00.000Z', dates '2026-12-03'),
//   compared as text, never with a database's date functions;
// - raw sql only in the common subset (no group_concat, ifnull, iif, `is` with a value, pragmas,
//   ALTER … rebuilds); a SQLite-only or PostgreSQL-only step branches on isPostgres(db).
// An explicit list, not a directory scan, so the bundled server carries every migration.
export const migrations: Record<string, Migration> = {
  '001-foundation': foundation,
  '002-learning': learning,
  '003-certificates': certificates,
  '004-coaching': coaching,
  '005-housekeeping': housekeeping,
  '006-report-indexes': reportIndexes,
  '007-hardening': hardening,
  '008-email': email,
  '009-kept-drafts': keptDrafts,
  '010-single-sign-on': singleSignOn,
  '011-credentials-and-data-rights': credentialsAndDataRights,
  '012-leases': leases,
  '013-practice-cycles': practiceCycles,
  '014-write-versions': writeVersions,
};
