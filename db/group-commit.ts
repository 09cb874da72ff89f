import { isDatabaseBusy } from './client';
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
 */
export function groupCommit<I, O>(db: Db, key: string, write: (tx: Db, input: I) => Promise<O>): (input: I) => Promise<O> {
  let byKey = batchers.get(db);
  if (!byKey) batchers.set(db, (byKey = new Map()));
  const known = byKey.get(key) as ((input: I) => Promise<O>) | undefined;
  if (known) return known;

  let pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  const alone = (input: I) => transaction(db, (tx) => write(tx, input));
  const flush = async () => {
    const batch = pending;
    pending = [];
    if (!batch.length) return;
    let results: O[];
    try {
      results = await transaction(db, async (tx) => {
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
  const enqueue = (input: I) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ input, resolve, reject });
      if (pending.length === 1) setImmediate(() => void flush());
      else if (pending.length >= MAX_BATCH) void flush();
    });
  byKey.set(key, enqueue);
  return enqueue;
}
