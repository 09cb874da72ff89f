/**
 * Each SQL spelling that differs between the dialects, in one place. Repositories ask here and
 * stay written once; the choice follows the dialect this process opened (schema/index.ts).
 */
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { QueryBuilder as PgQueryBuilder } from 'drizzle-orm/pg-core';
import { QueryBuilder as SqliteQueryBuilder } from 'drizzle-orm/sqlite-core';
import { boundDialect } from '../schema';

export interface DialectSql {
  /** Builds subqueries (SELECTs that are part of a larger query, never run alone). */
  queryBuilder: SqliteQueryBuilder;
  /** `a` differs from `b`, a null equal to a null: SQLite's IS NOT, PostgreSQL's IS DISTINCT FROM. */
  distinct(a: SQLWrapper | string, b: SQLWrapper | string): SQL;
  /** A top-level field of a JSON document stored as text, as text. */
  jsonText(column: SQLWrapper, field: string): SQL;
  /**
   * A roster import's staged table (db/repositories/roster-stage-tables.ts): on SQLite in the
   * stage file attached as `stage`; on PostgreSQL a temporary table of the import's transaction,
   * prefixed so that it never shadows the real table of that name (pg_temp is searched first).
   */
  stageTable(name: string): string;
  /**
   * A statement that makes transactions touching the same key wait for each other until the first
   * commits, or null where one writer at a time is already the rule (SQLite).
   */
  keyLock(key: string): SQL | null;
  /** keyLock for each key of a JSON array, taken in sorted order (so two batches never wait on each other in a cycle). */
  keyLocks(keys: SQLWrapper): SQL | null;
  /**
   * The rows of a JSON array of objects, each keyed by `columns` of `table`, as a SELECT in array
   * order: a bulk load's source, one bound value for thousands of rows. Values are JSON's: text,
   * numbers, booleans, null.
   */
  jsonRecords(table: string, columns: string[], json: string | SQLWrapper): SQL;
  /**
   * `column` is one of the values of a JSON array: one bound value for any number of them, so one
   * prepared statement serves batches of every size. `type` is the column's.
   */
  inJsonArray(column: SQLWrapper, json: SQLWrapper, type: 'text' | 'integer'): SQL;
  /**
   * `column` is the `key` of one of a JSON array of records (jsonRecords's source): added to an
   * UPDATE ... FROM those records, it makes the planner find the rows by that key's index however
   * stale the table's statistics. A table a broadcast's fan-out has just grown reads as small, and a
   * filter such as `provider_sid IS NULL` (true of every text not sent yet) then looks like the cheap
   * way in: a scan of all of them for each batch of a dozen.
   */
  inJsonRecords(column: SQLWrapper, json: SQLWrapper, key: string, type: 'text' | 'integer'): SQL;
  /**
   * A column to compare without offering its index to the planner. SQLite has no statistics to
   * weigh an index by and takes any that fits (a unary plus hides it); PostgreSQL plans from its
   * statistics, and there the plus would hide those instead: taken for a rare value (0.5%), a
   * school's id made every page of a broadcast's fan-out walk all of the school's students.
   */
  unindexed(column: SQLWrapper): SQL;
}

const raw = (v: SQLWrapper | string) => (typeof v === 'string' ? sql.raw(v) : v);

const sqlite: DialectSql = {
  queryBuilder: new SqliteQueryBuilder(),
  distinct: (a, b) => sql`${raw(a)} IS NOT ${raw(b)}`,
  jsonText: (column, field) => sql`cast(json_extract(${column}, ${`$.${field}`}) as text)`,
  stageTable: (name) => `stage.${name}`,
  keyLock: () => null,
  keyLocks: () => null,
  // json_extract gives a JSON true as 1, as SQLite keeps booleans.
  jsonRecords: (_table, columns, json) =>
    sql`SELECT ${sql.raw(columns.map((c) => `json_extract(j.value, '$.${c}') AS "${c}"`).join(', '))} FROM json_each(${json}) AS j ORDER BY j.key`,
  inJsonArray: (column, json) => sql`${column} IN (SELECT value FROM json_each(${json}))`,
  inJsonRecords: (column, json, key) => sql`${column} IN (SELECT json_extract(value, ${`$.${key}`}) FROM json_each(${json}))`,
  unindexed: (column) => sql`+${column}`,
};

const postgres: DialectSql = {
  // The same builder API; its SQL is PostgreSQL's.
  queryBuilder: new PgQueryBuilder() as unknown as SqliteQueryBuilder,
  distinct: (a, b) => sql`${raw(a)} IS DISTINCT FROM ${raw(b)}`,
  jsonText: (column, field) => sql`(${column}::json ->> ${field})`,
  stageTable: (name) => `stage_${name}`,
  keyLock: (key) => sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`,
  // PostgreSQL computes the select list after the sort, so the locks are taken in key order.
  keyLocks: (keys) => sql`select pg_advisory_xact_lock(hashtextextended(k, 0)) from json_array_elements_text(${keys}::json) as k order by k`,
  // Typed by the table's own row type; a function scan gives its rows in array order.
  jsonRecords: (table, columns, json) =>
    sql`SELECT ${sql.raw(columns.map((c) => `r."${c}"`).join(', '))} FROM json_populate_recordset(NULL::${sql.raw(table)}, ${json}) AS r`,
  // = ANY of an array (an init plan), not IN (a subquery): the planner then uses the column's index.
  inJsonArray: (column, json, type) => sql`${column} = ANY(ARRAY(SELECT v::${sql.raw(type)} FROM json_array_elements_text(${json}::json) AS v))`,
  inJsonRecords: (column, json, key, type) => sql`${column} = ANY(ARRAY(SELECT (r ->> ${key})::${sql.raw(type)} FROM json_array_elements(${json}::json) AS r))`,
  unindexed: (column) => sql`${column}`,
};

export function dialectSql(): DialectSql {
  return boundDialect() === 'postgres' ? postgres : sqlite;
}
