import { getTableColumns, getTableName, sql, type Column, type Table } from 'drizzle-orm';
import type { Tx } from './client';
import { dialectSql } from './dialects/differences';
import { rawRows, rawRun } from './dialects/raw';

/** Rows per bulk INSERT: one JSON value of a few hundred kilobytes. */
const BULK = 2000;

/**
 * Inserts rows in bulk, a JSON array per statement (see jsonRecords in differences.ts): building
 * and binding a multi-row VALUES list costs far more than the insert itself. A column a row
 * leaves out takes its default, as in a single-row insert; the id is the database's. Returns the
 * new ids in the rows' order when asked (the roster sync's families, a broadcast's messages).
 */
export async function bulkInsert(tx: Tx, table: Table, rows: object[], returnIds: boolean): Promise<number[]> {
  const columns = Object.entries(getTableColumns(table) as Record<string, Column>).filter(([key]) => key !== 'id');
  const names = columns.map(([, c]) => c.name);
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += BULK) {
    const records = rows.slice(i, i + BULK).map((row) => {
      const r = row as Record<string, unknown>;
      return Object.fromEntries(columns.map(([key, c]) => [c.name, r[key] !== undefined ? r[key] : c.hasDefault ? c.default : null]));
    });
    const insert = sql`INSERT INTO ${sql.raw(`"${getTableName(table)}"`)} (${sql.raw(names.map((n) => `"${n}"`).join(', '))})
      ${dialectSql().jsonRecords(getTableName(table), names, JSON.stringify(records))}`;
    if (!returnIds) {
      await rawRun(tx, insert);
      continue;
    }
    // Ids are numbered in the order rows are inserted, on both dialects: sorted, they are the rows' ids in order.
    const inserted = await rawRows<{ id: number }>(tx, sql`${insert} RETURNING id`);
    ids.push(...inserted.map((r) => Number(r.id)).sort((a, b) => a - b));
  }
  return ids;
}
