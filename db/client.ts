import type { OpenedDatabase } from './types';
import { openSqlite } from './dialects/sqlite';
import { openPostgres } from './dialects/postgres';

export type { Db, OpenedDatabase } from './types';
/** A handle inside a transaction: the same queries, on the transaction's connection. */
export type { Db as Tx } from './types';
export { transaction } from './transaction';

export interface OpenOptions {
  /** PostgreSQL connections per process (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /**
   * Told when PostgreSQL ends a pooled connection that sits idle (a server restart, a failover, an
   * administrator's kill). The pool drops it and opens another when needed; without a listener
   * node-postgres would throw the error and end the process. Default: one line on stderr.
   */
  onIdleError?: (err: Error) => void;
}

/** Opens the database DATABASE_URL names (file:<path> or postgres://…) and applies pending migrations. */
export async function openDatabase(databaseUrl: string, opts: OpenOptions = {}): Promise<OpenedDatabase> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgres(databaseUrl, opts.poolSize ?? 10, opts.onIdleError ?? idleErrorToStderr);
  return openSqlite(databaseUrl);
}

/**
 * True when a write failed only because another connection held SQLite's one write lock
 * longer than the busy wait (a roster import's transaction in another process): the same write
 * can succeed later. PostgreSQL has no such single lock: its writers never see this.
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

function idleErrorToStderr(err: Error): void {
  process.stderr.write(`PostgreSQL closed an idle pooled connection (${(err as { code?: string }).code ?? err.message}); a new one opens when needed\n`);
}
