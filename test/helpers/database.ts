/**
 * The database a test file works on: a SQLite file of its own, or, when `npm test` runs the
 * PostgreSQL pass (TEST_DIALECT=postgres), a database of its own on TEST_POSTGRES_URL. Either
 * way `drop()` removes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createTestDatabase } from './postgres';

export type TestDialect = 'sqlite' | 'postgres';

export const testDialect = (): TestDialect => (process.env.TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite');

export async function testDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (testDialect() === 'postgres') return createTestDatabase(name);
  const file = path.join(os.tmpdir(), `familyline-${name}-${process.pid}-${crypto.randomBytes(3).toString('hex')}.db`);
  return {
    url: `file:${file}`,
    async drop() {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    },
  };
}
