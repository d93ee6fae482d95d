import os from 'node:os';
import path from 'node:path';

export const TEST_ROOT = path.join(os.tmpdir(), 'kindred-tests');
export const TEMPLATE_DB = path.join(TEST_ROOT, 'template.db');
export const TEST_COURSES = path.resolve('tests/fixtures/courses');
