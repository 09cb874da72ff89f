import { isDatabaseBusy } from './client';
import { sqliteConnectionOf } from './dialects/sqlite';
import type { Db } from './types';
import { transaction } from './transaction';

const MAX_BATCH = 200;
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
 * retries after a failed batch). With `commitsItself`, writeMany gets the database, not a
 * transaction, and makes its writes atomic itself (one statement where it can): it then carries
 * every batch, a batch of one too.
 */
export function groupCommit<I, O>(
  db: Db,
  key: string,
  write: (tx: Db, input: I) => Promise<O>,
  writeMany?: (tx: Db, inputs: I[]) => Promise<O[]>,
  options: { commitsItself?: boolean } = {},
): (input: I) => Promise<O> {
  let byKey = batchers.get(db);
  if (!byKey) batchers.set(db, (byKey = new Map()));
  const known = byKey.get(key) as ((input: I) => Promise<O>) | undefined;
  if (known) return known;

  let pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  // One batch of a kind at a time, on PostgreSQL too: what arrives meanwhile waits and goes in the
  // next, so the busier it gets, the more each batch carries. Batches side by side (three were the
  // rule) made smaller batches and more statements for the same texts, and the web's event loop,
  // not the database, is what a busy webhook endpoint waits for (`npm run bench -- ingest` and
  // `-- broadcast` on PostgreSQL both went faster with one).
  let flushing = false;
  const alone = (input: I) => transaction(db, (tx) => write(tx, input));
  const flush = async () => {
    if (flushing) return;
    flushing = true;
    try {
      while (pending.length) await commit(pending.splice(0, MAX_BATCH));
    } finally {
      flushing = false;
    }
  };
  const commit = async (batch: typeof pending) => {
    let results: O[];
    try {
      const inputs = batch.map((b) => b.input);
      results = writeMany && options.commitsItself ? await writeMany(db, inputs) : await transaction(db, async (tx) => {
        if (writeMany && batch.length > 1) return writeMany(tx, inputs);
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
      if (!flushing) setImmediate(() => void flush());
    });
  };
  byKey.set(key, enqueue);
  return enqueue;
}
