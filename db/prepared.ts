import type { Db } from './client';

const caches = new WeakMap<Db, Map<string, unknown>>();

/**
 * A query built and prepared once per database handle. Building SQL and preparing it cost far
 * more than running it (tens of µs against one or two), so the hot paths (webhooks, sends,
 * status callbacks) reuse theirs. Statements prepared on the handle also run inside its
 * transactions.
 */
export function prepared<T>(db: Db, key: string, build: () => T): T {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let statement = cache.get(key) as T | undefined;
  if (statement === undefined) {
    statement = build();
    cache.set(key, statement);
  }
  return statement;
}
