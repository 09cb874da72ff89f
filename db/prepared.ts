import crypto from 'node:crypto';
import { fillPlaceholders, is, sql, type SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import { PgDatabase, PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from './types';
import { affectedRows } from './query';
import { sqliteConnectionOf } from './dialects/sqlite';
import { dialectSql } from './dialects/differences';
import { transaction } from './transaction';

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

/** SQLite: per database handle (its statements belong to its one connection). */
const sqliteCaches = new WeakMap<Db, Map<string, DriverPrepared>>();
/** PostgreSQL: per process; the connection is supplied at each run (see onConnection). */
const pgStatements = new Map<string, DriverPrepared & { client: unknown }>();

/**
 * PostgreSQL keeps a named statement per connection; names are at most 63 bytes, so a key is
 * hashed to a short one. SQLite ignores the name (its statements are cached by text).
 */
const statementName = (key: string) => `fl_${crypto.createHash('sha1').update(key).digest('hex').slice(0, 20)}`;

interface PgHandle {
  session: { client: unknown };
}

/**
 * drizzle's node-postgres prepared query runs on the client it was built with: the pool, or a
 * transaction's own connection. Every transaction is a new handle, so building per handle would
 * rebuild each hot statement for every transaction (most of a webhook's CPU time on PostgreSQL).
 * It is built once, and each run borrows it with this handle's connection. node-postgres prepares
 * a named statement on each connection the first time that connection sees the name.
 */
function onConnection(statement: DriverPrepared & { client: unknown }, db: Db): DriverPrepared {
  const client = (db as unknown as PgHandle).session.client;
  if (statement.client === client) return statement;
  return Object.create(statement, { client: { value: client } }) as DriverPrepared;
}

/**
 * A query built and prepared once. Building SQL and preparing it cost far more than running it
 * (tens of µs against one or two), so the hot paths (webhooks, sends, status callbacks) reuse
 * theirs. `build` returns the query unprepared; it is prepared here so each dialect gets what it
 * needs. One key always names one statement text, whichever database it runs on.
 */
export function prepared<Q extends PromiseLike<unknown>>(db: Db, key: string, build: () => Q): Prepared<RowOf<Q>> {
  let query: DriverPrepared;
  if (is(db, PgDatabase) || is(db, PgTransaction)) {
    let statement = pgStatements.get(key);
    if (!statement) {
      statement = (build() as unknown as { prepare(name: string): DriverPrepared & { client: unknown } }).prepare(statementName(key));
      pgStatements.set(key, statement);
    }
    query = onConnection(statement, db);
  } else {
    let cache = sqliteCaches.get(db);
    if (!cache) sqliteCaches.set(db, (cache = new Map()));
    let statement = cache.get(key);
    if (!statement) cache.set(key, (statement = (build() as unknown as { prepare(name: string): DriverPrepared }).prepare(statementName(key))));
    query = statement;
  }
  return {
    all: async (values) => (await query.execute(values)) as RowOf<Q>[],
    first: async (values) => ((await query.execute(values)) as RowOf<Q>[])[0],
    affected: async (values) => affectedRows(await query.execute(values)),
  };
}

interface PgSession {
  prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string, arrayMode: boolean): DriverPrepared & { client: unknown };
}
const sqliteDialect = new SQLiteAsyncDialect();
const rawSqlite = new Map<string, { sql: string; params: unknown[] }>();

/**
 * Raw SQL (the set-based statements no query builder spells, with their differences from
 * dialects/differences.ts) built and prepared once, like `prepared`: rows as objects by column
 * name, on either dialect.
 */
export function preparedRows<Row = Record<string, unknown>>(db: Db, key: string, build: () => SQL): (values?: Record<string, unknown>) => Promise<Row[]> {
  const sqlite = sqliteConnectionOf(db);
  if (sqlite) {
    let query = rawSqlite.get(key);
    if (!query) rawSqlite.set(key, (query = sqliteDialect.sqlToQuery(build())));
    const { sql, params } = query;
    return async (values = {}) => (await sqlite.query(sql, fillPlaceholders(params, values))).rows as Row[];
  }
  const pgKey = `raw:${key}`;
  let statement = pgStatements.get(pgKey);
  if (!statement) {
    const handle = db as unknown as { session: PgSession; dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } };
    statement = handle.session.prepareQuery(handle.dialect.sqlToQuery(build()), undefined, statementName(pgKey), false);
    pgStatements.set(pgKey, statement);
  }
  const query = onConnection(statement, db);
  return async (values) => ((await query.execute(values)) as { rows: Row[] }).rows;
}

/**
 * An INSERT … RETURNING and a statement that reads the rows it returned (as the relation
 * `inserted`, with `insertedColumns`), committed together, both built and prepared once.
 * PostgreSQL runs them as one statement, the INSERT a WITH query of the other: one round trip
 * where a transaction takes four (BEGIN, both, COMMIT), each waiting for a turn of a busy web
 * process's event loop. SQLite runs them one after the other in one transaction, the returned rows
 * bound as JSON records. Resolves with the inserted rows.
 */
export function preparedInsertThen<Row extends Record<string, unknown>>(
  db: Db,
  key: string,
  insertedColumns: (keyof Row & string)[],
  insert: () => SQL,
  then: (inserted: SQL) => SQL,
): (values: Record<string, unknown>) => Promise<Row[]> {
  if (!sqliteConnectionOf(db)) {
    return preparedRows<Row>(db, key, () => sql`WITH inserted AS (${insert()}), then_done AS (${then(sql.raw('inserted'))}) SELECT * FROM inserted`);
  }
  const runInsert = preparedRows<Row>(db, `${key}:insert`, insert);
  const runThen = preparedRows(db, `${key}:then`, () => then(sql`(${dialectSql().jsonRecords('', insertedColumns, sql.placeholder(INSERTED))})`));
  return (values) =>
    transaction(db, async () => {
      const rows = await runInsert(values);
      if (rows.length) await runThen({ ...values, [INSERTED]: JSON.stringify(rows) });
      return rows;
    });
}
/** The placeholder SQLite binds the inserted rows to. */
const INSERTED = 'inserted_rows';
