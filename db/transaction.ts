import { is } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Db } from './types';
import { sqliteConnectionOf } from './dialects/sqlite';

/**
 * The one way code opens a transaction, on either dialect. On SQLite the process's one
 * connection is the transaction (BEGIN IMMEDIATE … COMMIT, every other statement queued behind
 * it), so the callback gets the same handle; on PostgreSQL it gets a pooled connection of its
 * own. A transaction opened inside another joins it: the whole unit commits or rolls back once.
 */
export async function transaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  const sqlite = sqliteConnectionOf(db);
  if (sqlite) return sqlite.transaction(() => fn(db));
  if (is(db, PgTransaction)) return fn(db);
  return (db as unknown as NodePgDatabase).transaction((tx) => fn(tx as unknown as Db));
}
