import { and, eq, getTableColumns, getTableName, inArray, sql, type Column } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db, Tx } from '../client';
import { prepared } from '../prepared';
import { families, guardians, phones, schools, staff, students, studentGuardians, welcomes } from '../schema';

/** Thrown inside a dry run's transaction so everything it wrote is rolled back. */
class DryRunRollback extends Error {
  constructor(public readonly result: unknown) {
    super('dry run');
  }
}

/**
 * Runs a whole import in one transaction: all of it lands or none of it. A dry run does the
 * same work and rolls it back, so its report is exactly what a real run would do.
 */
export function inImportTransaction<T>(db: Db, dryRun: boolean, fn: (tx: Tx) => T): T {
  try {
    return db.transaction(
      (tx) => {
        const result = fn(tx);
        if (dryRun) throw new DryRunRollback(result);
        return result;
      },
      { behavior: 'immediate' },
    );
  } catch (err) {
    if (err instanceof DryRunRollback) return err.result as T;
    throw err;
  }
}

const CHUNK = 400;
const P = sql.placeholder;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyColumn = Column<any>;

interface RowInsert {
  /** Columns the statement binds, with the column that turns a value into what SQLite stores. */
  columns: [name: string, column: AnyColumn][];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  statement: { run(values: Record<string, unknown>): unknown; get(values: Record<string, unknown>): any };
}

/** The columns a row sets, as a cache key: a column left undefined takes its default, as drizzle does. */
function shapeOf(row: Record<string, unknown>): string {
  let shape = '';
  for (const k in row) if (row[k] !== undefined) shape += shape ? `,${k}` : k;
  return shape;
}

/**
 * One prepared single-row INSERT per table and set of columns, reused for every row of the
 * import (building and preparing a statement costs far more than running it).
 */
function rowInsert(tx: Tx, table: SQLiteTable, shape: string, returnId: boolean): RowInsert {
  const key = `roster.insert:${getTableName(table)}:${returnId ? 'id' : 'run'}:${shape}`;
  return prepared(tx, key, () => {
    const all = getTableColumns(table) as Record<string, AnyColumn>;
    const names = shape.split(',').filter((n) => n in all);
    const values = Object.fromEntries(names.map((n) => [n, P(n)]));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const insert = tx.insert(table).values(values as any);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const statement = returnId ? insert.returning({ id: (all as any).id }).prepare() : insert.prepare();
    return { columns: names.map((n): [string, AnyColumn] => [n, all[n]]), statement };
  });
}

/** A row's values as the driver takes them: placeholders reach better-sqlite3 raw (booleans as 1/0). */
function bind(columns: RowInsert['columns'], row: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, column] of columns) {
    const v = row[name];
    values[name] = v === null ? null : column.mapToDriverValue(v);
  }
  return values;
}

function insertRow(tx: Tx, table: SQLiteTable, row: Record<string, unknown>, returnId: boolean): number | undefined {
  const { columns, statement } = rowInsert(tx, table, shapeOf(row), returnId);
  const values = bind(columns, row);
  if (!returnId) {
    statement.run(values);
    return undefined;
  }
  return (statement.get(values) as { id: number }).id;
}

/** Inserts rows one by one through a prepared statement and returns their ids in order. */
export function insertMany<T extends SQLiteTable>(tx: Tx, table: T, rows: T['$inferInsert'][]): number[] {
  const ids = new Array<number>(rows.length);
  for (let i = 0; i < rows.length; i++) ids[i] = insertRow(tx, table, rows[i] as Record<string, unknown>, true)!;
  return ids;
}

/** Inserts rows without ids (link tables, phones). */
export function insertLinks<T extends SQLiteTable>(tx: Tx, table: T, rows: T['$inferInsert'][]): void {
  for (const row of rows) insertRow(tx, table, row as Record<string, unknown>, false);
}

export type SchoolRow = typeof schools.$inferSelect;
export type StaffRow = typeof staff.$inferSelect;
export type GuardianRow = typeof guardians.$inferSelect;
export type FamilyRow = typeof families.$inferSelect;
export type PhoneRow = typeof phones.$inferSelect;
export type LinkRow = typeof studentGuardians.$inferSelect;

export const rosterTables = { schools, staff, families, guardians, phones, studentGuardians, welcomes };

export function allSchools(tx: Tx): SchoolRow[] {
  return tx.select().from(schools).all();
}
export function allStaff(tx: Tx): StaffRow[] {
  return tx.select().from(staff).all();
}
export function familiesOf(tx: Tx, schoolId: number): FamilyRow[] {
  return tx.select().from(families).where(eq(families.schoolId, schoolId)).all();
}
export function guardiansOf(tx: Tx, schoolId: number): GuardianRow[] {
  return tx.select().from(guardians).where(eq(guardians.schoolId, schoolId)).all();
}
export function phonesOf(tx: Tx, schoolId: number): PhoneRow[] {
  return tx
    .select({ phone: phones })
    .from(phones)
    .innerJoin(guardians, eq(guardians.id, phones.guardianId))
    .where(eq(guardians.schoolId, schoolId))
    .all()
    .map((r) => r.phone);
}
export function linksOf(tx: Tx, schoolId: number): LinkRow[] {
  return tx
    .select({ link: studentGuardians })
    .from(studentGuardians)
    .innerJoin(guardians, eq(guardians.id, studentGuardians.guardianId))
    .where(eq(guardians.schoolId, schoolId))
    .all()
    .map((r) => r.link);
}

export function updateRow<T extends SQLiteTable>(tx: Tx, table: T, id: number, patch: Partial<T['$inferInsert']>): void {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tx.update(table).set(patch as any).where(eq((table as any).id, id)).run();
}

export function deleteLinks(tx: Tx, pairs: [studentId: number, guardianId: number][]): void {
  for (const [a, b] of pairs) tx.delete(studentGuardians).where(and(eq(studentGuardians.studentId, a), eq(studentGuardians.guardianId, b))).run();
}

export function deletePhones(tx: Tx, ids: number[]): void {
  for (let i = 0; i < ids.length; i += CHUNK) tx.delete(phones).where(inArray(phones.id, ids.slice(i, i + CHUNK))).run();
}

/** Numbers already welcomed, ever. */
export function welcomedNumbers(tx: Tx | Db, numbers: string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < numbers.length; i += CHUNK) {
    const rows = tx.select({ n: welcomes.phoneNumber }).from(welcomes).where(inArray(welcomes.phoneNumber, numbers.slice(i, i + CHUNK))).all();
    for (const r of rows) out.add(r.n);
  }
  return out;
}

export function recordWelcome(db: Db, row: typeof welcomes.$inferInsert): boolean {
  return db.insert(welcomes).values(row).onConflictDoNothing().run().changes > 0;
}


/** First names of a family's active students, for texts that name the children. */
export function childrenOf(db: Db, familyId: number): string[] {
  return db
    .selectDistinct({ id: students.id, firstName: students.firstName })
    .from(students)
    .innerJoin(studentGuardians, eq(studentGuardians.studentId, students.id))
    .innerJoin(guardians, eq(guardians.id, studentGuardians.guardianId))
    .where(and(eq(guardians.familyId, familyId), eq(students.active, true)))
    .orderBy(students.id)
    .all()
    .map((r) => r.firstName);
}

export function setWelcomeMessage(db: Db, phoneNumber: string, messageId: number): void {
  db.update(welcomes).set({ messageId }).where(eq(welcomes.phoneNumber, phoneNumber)).run();
}

/** Families an import added whose welcome text is not queued yet (an earlier run may have stopped short). */
export function familiesAwaitingWelcome(db: Db): number[] {
  return db.select({ id: families.id }).from(families).where(eq(families.welcomePending, true)).orderBy(families.id).all().map((r) => r.id);
}

export function welcomeDone(db: Db, familyId: number): void {
  db.update(families).set({ welcomePending: false }).where(eq(families.id, familyId)).run();
}
