import { isDatabaseBusy } from './client';
import { sqliteConnectionOf } from './dialects/sqlite';
import type { Db } from './types';
import { transaction } from './transaction';

const MAX_BATCH = 200;
/** Transactions one kind of write may have open at once on PostgreSQL (three measured best for webhooks). */
const PG_LANES = 3;
/** One batcher per database and kind of write. */
const batchers = new WeakMap<Db, Map<string, unknown>>();

/**
 * Writes that arrive in the same turn of the event loop share one transaction, so a burst of
 * webhooks pays for one commit instead of one each. Each write still runs in order and each
 * caller hears back only after the commit that holds its write. If the shared transaction
 * fails, each write is retried alone, so one bad write fails only its own caller; when it
 * failed because the database is busy, every caller hears so at once.
 *
 * `writeMany`, when given, carries out a whole batch in a few set-based statements (one
 * multi-row INSERT instead of one per write): it must give each input the result `write` would
 * have, in order. `write` stays the one used alone (a write inside an open transaction, and the
 * retries after a failed batch).
 */
export function groupCommit<I, O>(
  db: Db,
  key: string,
  write: (tx: Db, input: I) => Promise<O>,
  writeMany?: (tx: Db, inputs: I[]) => Promise<O[]>,
): (input: I) => Promise<O> {
  let byKey = batchers.get(db);
  if (!byKey) batchers.set(db, (byKey = new Map()));
  const known = byKey.get(key) as ((input: I) => Promise<O>) | undefined;
  if (known) return known;

  let pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  // SQLite runs one transaction at a time anyway; PostgreSQL runs a few side by side on the pool.
  const lanes = sqliteConnectionOf(db) ? 1 : PG_LANES;
  let flushing = 0;
  const alone = (input: I) => transaction(db, (tx) => write(tx, input));
  // A few transactions at most per kind of write: what arrives while they commit waits for the
  // next, so the busier it gets, the more each commit carries.
  const flush = async () => {
    if (flushing >= lanes) return;
    flushing++;
    try {
      while (pending.length) await commit(pending.splice(0, MAX_BATCH));
    } finally {
      flushing--;
    }
  };
  const commit = async (batch: typeof pending) => {
    let results: O[];
    try {
      results = await transaction(db, async (tx) => {
        if (writeMany && batch.length > 1) return writeMany(tx, batch.map((b) => b.input));
        const out: O[] = [];
        for (const b of batch) out.push(await write(tx, b.input));
        return out;
      });
    } catch (err) {
      // Another connection holds the write lock: every write would wait for it again, alone.
      if (isDatabaseBusy(err)) {
        for (const b of batch) b.reject(err);
        return;
      }
      // The error belongs to one of the writes: each retries alone and its own caller hears of it.
      for (const b of batch) await alone(b.input).then(b.resolve, b.reject);
      return;
    }
    batch.forEach((b, i) => b.resolve(results[i]));
  };
  const enqueue = (input: I): Promise<O> => {
    // Called inside an open SQLite transaction (a PostgreSQL transaction is a handle of its own):
    // joined at once, since a batch would wait for the lock that transaction holds.
    if (sqliteConnectionOf(db)?.insideTransaction()) return write(db, input);
    return new Promise<O>((resolve, reject) => {
      pending.push({ input, resolve, reject });
      if (flushing < lanes) setImmediate(() => void flush());
    });
  };
  byKey.set(key, enqueue);
  return enqueue;
}
