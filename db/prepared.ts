import type { Db, Tx } from './client';

const caches = new WeakMap<Db | Tx, Map<string, unknown>>();

/**
 * A query built and prepared once per database handle. Building SQL and preparing it cost far
 * more than running it (tens of µs against one or two), so the hot paths (webhooks, sends,
 * status callbacks) reuse theirs. Statements prepared on the handle also run inside its
 * transactions. A transaction handle keeps its own cache, for statements one long transaction
 * (a roster import) reuses and then drops.
 */
export function prepared<T>(db: Db | Tx, key: string, build: () => T): T {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let statement = cache.get(key) as T | undefined;
  if (statement === undefined) {
    statement = build();
    cache.set(key, statement);
  }
  return statement;
}
