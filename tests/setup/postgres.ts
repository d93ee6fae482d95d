import crypto from 'node:crypto';
import pg from 'pg';
import { TEST_ROOT } from './paths.ts';

// Per-file isolation on PostgreSQL: the global setup migrates and seeds one template database, and
// each test file gets `CREATE DATABASE … TEMPLATE` of it (a file copy inside PostgreSQL, ~100 ms).

/** The template's name: one per test folder, so two checkouts can share a cluster. */
export const TEMPLATE_DATABASE = `kindred_template_${crypto.createHash('sha256').update(TEST_ROOT).digest('hex').slice(0, 8)}`;

/** The same server as `url`, another database on it. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs statements on the server's maintenance database (CREATE/DROP DATABASE cannot run elsewhere). */
export async function onServer(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new database copied from the template; returns its URL. */
export async function createTestDatabase(adminUrl: string): Promise<{ name: string; url: string }> {
  const name = `kindred_test_${crypto.randomUUID().replaceAll('-', '')}`;
  await onServer(adminUrl, [`create database ${name} template ${TEMPLATE_DATABASE}`]);
  return { name, url: databaseUrl(adminUrl, name) };
}

export async function dropTestDatabase(adminUrl: string, name: string): Promise<void> {
  await onServer(adminUrl, [`drop database if exists ${name} with (force)`]);
}
