/**
 * Raw SQL on either dialect, for the set-based statements no query builder spells (the roster
 * import's sync). Rows come back as objects by column name on both; a write answers how many
 * rows it changed. Spellings that differ between the dialects come from differences.ts.
 */
import type { SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import type { Db } from '../types';
import { sqliteConnectionOf } from './sqlite';

const sqliteDialect = new SQLiteAsyncDialect();

async function run(db: Db, query: SQL): Promise<{ rows: Record<string, unknown>[]; changed: number }> {
  const sqlite = sqliteConnectionOf(db);
  if (sqlite) {
    const { sql, params } = sqliteDialect.sqlToQuery(query);
    const { rows, changes } = await sqlite.query(sql, params);
    return { rows, changed: changes };
  }
  const result = await (db as unknown as NodePgDatabase).execute(query);
  return { rows: result.rows, changed: result.rowCount ?? 0 };
}

/** The rows a query answers. */
export async function rawRows<T>(db: Db, query: SQL): Promise<T[]> {
  return (await run(db, query)).rows as T[];
}

/** Runs a statement; answers how many rows it changed. */
export async function rawRun(db: Db, query: SQL): Promise<number> {
  return (await run(db, query)).changed;
}
