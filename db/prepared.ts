import crypto from 'node:crypto';
import type { Db } from './types';
import { affectedRows } from './query';

/** A statement built and prepared once, run with placeholder values on either dialect. */
export interface Prepared<Row> {
  all(values?: Record<string, unknown>): Promise<Row[]>;
  first(values?: Record<string, unknown>): Promise<Row | undefined>;
  /** For a write without RETURNING: how many rows it changed. */
  affected(values?: Record<string, unknown>): Promise<number>;
}

type RowOf<Q> = Awaited<Q> extends (infer R)[] ? R : never;
interface DriverPrepared {
  execute(values?: Record<string, unknown>): Promise<unknown>;
}

const caches = new WeakMap<Db, Map<string, unknown>>();

/**
 * PostgreSQL keeps a named statement per connection; names are at most 63 bytes, so a key is
 * hashed to a short one. SQLite ignores the name (its statements are cached by text).
 */
const statementName = (key: string) => `fl_${crypto.createHash('sha1').update(key).digest('hex').slice(0, 20)}`;

/**
 * A query built and prepared once per database handle. Building SQL and preparing it cost far
 * more than running it (tens of µs against one or two), so the hot paths (webhooks, sends,
 * status callbacks) reuse theirs. `build` returns the query unprepared; it is prepared here so
 * each dialect gets what it needs. A PostgreSQL transaction's handle keeps its own cache.
 */
export function prepared<Q extends PromiseLike<unknown>>(db: Db, key: string, build: () => Q): Prepared<RowOf<Q>> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let statement = cache.get(key) as Prepared<RowOf<Q>> | undefined;
  if (statement === undefined) {
    const query = (build() as unknown as { prepare(name: string): DriverPrepared }).prepare(statementName(key));
    statement = {
      all: async (values) => (await query.execute(values)) as RowOf<Q>[],
      first: async (values) => ((await query.execute(values)) as RowOf<Q>[])[0],
      affected: async (values) => affectedRows(await query.execute(values)),
    };
    cache.set(key, statement);
  }
  return statement;
}
