/** Small dialect-free helpers for reading query results the same way on SQLite and PostgreSQL. */

/** The first row of a query, or undefined. */
export async function first<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  return (await query)[0];
}

/**
 * Rows a write without RETURNING changed: SQLite's driver reports `changes`, node-postgres
 * `rowCount`. This is the one place that knows both.
 */
export function affectedRows(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}
