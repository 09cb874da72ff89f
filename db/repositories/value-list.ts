import { sql, type SQL } from 'drizzle-orm';
import { dialectSql } from '../dialects/differences';

/**
 * `inArray(column, valuesOf(…))`: a list as one bound JSON value instead of one parameter per
 * value. Building and binding a statement of hundreds of parameters cost more than running it
 * (most of a weekend-nudge tick's query time). `table` and `column` name a column of the values'
 * type, as PostgreSQL types the JSON's rows by that table (see jsonRecords).
 */
export function valuesOf(table: string, column: string, values: readonly (number | string)[]): SQL {
  return sql`(${dialectSql().jsonRecords(table, [column], JSON.stringify(values.map((v) => ({ [column]: v }))))})`;
}
