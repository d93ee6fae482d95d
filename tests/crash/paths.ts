import os from 'node:os';
import path from 'node:path';

// The durability suite keeps its own template database, away from tests/setup/paths.ts TEST_ROOT,
// so running it never deletes the template of a unit-test run going on at the same time.
export const CRASH_ROOT = path.join(os.tmpdir(), 'kindred-crash-tests');
export const CRASH_TEMPLATE_DB = path.join(CRASH_ROOT, 'template.db');
