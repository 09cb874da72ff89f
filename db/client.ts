import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { sql } from 'drizzle-orm';
import * as schema from './schema/sqlite';

export type Db = BetterSQLite3Database<typeof schema>;
/** The handle a transaction callback receives; repositories accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database_ {
  db: Db;
  ping(): Promise<void>;
  close(): void;
}

const MIGRATIONS = path.join(__dirname, 'migrations', 'sqlite');

/**
 * True when a write failed only because another connection held the database's one write lock
 * longer than busy_timeout (a roster import's transaction): the same write can succeed later.
 */
export function isDatabaseBusy(err: unknown): boolean {
  // Drizzle wraps the driver's error as the cause of its own. The code, not the class, decides:
  // the native driver keeps the SqliteError class (and realm) it was first loaded with.
  let e = err as { code?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++, e = e.cause as typeof e) {
    if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) return /^SQLITE_(BUSY|LOCKED)/.test(e.code);
  }
  return false;
}

/**
 * Runs a write again while the database is busy, for a write that must not be lost because
 * its effect already happened outside (a text the carrier has taken): failing it would send
 * the text twice on the job's retry. Gives up after `giveUpAfterMs`, then throws the busy error.
 */
export async function whenWritable<T>(write: () => Promise<T>, opts: { giveUpAfterMs: number; pauseMs: number } = { giveUpAfterMs: 120_000, pauseMs: 500 }): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await write();
    } catch (err) {
      if (!isDatabaseBusy(err) || Date.now() - started >= opts.giveUpAfterMs) throw err;
      await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  }
}

/** Opens the database named by DATABASE_URL (file:<path>) and applies pending migrations. */
export function openDatabase(databaseUrl: string): Database_ {
  const file = databaseUrl.replace(/^file:/, '');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return {
    db,
    async ping() {
      db.get(sql`select 1`);
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
