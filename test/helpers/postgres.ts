import { createScratchDatabase } from '../../db/dialects/postgres';

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one test file, created on the server TEST_POSTGRES_URL names; drop() removes it. */
export function createTestDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  return createScratchDatabase(TEST_POSTGRES_URL, `fltest_${name}`);
}
