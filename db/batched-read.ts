import { sqliteConnectionOf } from './dialects/sqlite';
import type { Db } from './types';

const MAX_BATCH = 200;
const loaders = new WeakMap<Db, Map<string, unknown>>();

/**
 * Reads of one kind asked for in the same turn of the event loop, or while earlier ones are
 * running, share one query (as DataLoader batches): a burst of webhooks looks up the families of
 * many numbers in one round trip instead of one each. `readMany` answers each key, in order. A
 * failed query fails each read of its batch.
 */
export function batchedRead<K, V>(db: Db, name: string, readMany: (db: Db, keys: K[]) => Promise<V[]>): (key: K) => Promise<V> {
  let byName = loaders.get(db);
  if (!byName) loaders.set(db, (byName = new Map()));
  const known = byName.get(name) as ((key: K) => Promise<V>) | undefined;
  if (known) return known;

  const pending: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];
  // One read of a kind in flight: what arrives meanwhile waits for the next, so bursts share a
  // query (see group-commit.ts for why one).
  let reading = false;
  const flush = async () => {
    if (reading) return;
    reading = true;
    try {
      while (pending.length) {
        const batch = pending.splice(0, MAX_BATCH);
        await readMany(db, batch.map((b) => b.key)).then(
          (values) => batch.forEach((b, i) => b.resolve(values[i])),
          (err: unknown) => batch.forEach((b) => b.reject(err)),
        );
      }
    } finally {
      reading = false;
    }
  };
  const load = (key: K): Promise<V> => {
    // Inside an open SQLite transaction every other statement waits for it: read at once, alone.
    if (sqliteConnectionOf(db)?.insideTransaction()) return readMany(db, [key]).then((v) => v[0]);
    return new Promise<V>((resolve, reject) => {
      pending.push({ key, resolve, reject });
      if (!reading) setImmediate(() => void flush());
    });
  };
  byName.set(name, load);
  return load;
}

/**
 * batchedRead for rows found by one key (an id, a token's hash): `readRows` gets the batch's
 * distinct keys as one JSON array (one bound value, so one prepared statement for every batch
 * size) and each read is answered with the rows `keyOf` gives its key.
 */
export function batchedByKey<K extends number | string, R>(
  db: Db,
  name: string,
  readRows: (db: Db, keys: string) => Promise<R[]>,
  keyOf: (row: R) => K,
): (key: K) => Promise<R[]> {
  return batchedRead(db, name, async (db, keys: K[]) => {
    const rows = await readRows(db, JSON.stringify([...new Set(keys)]));
    const byKey = new Map<K, R[]>();
    for (const row of rows) {
      let list = byKey.get(keyOf(row));
      if (!list) byKey.set(keyOf(row), (list = []));
      list.push(row);
    }
    return keys.map((k) => byKey.get(k) ?? []);
  });
}
