import { and, eq, getTableColumns, getTableName, inArray, sql, type Column } from 'drizzle-orm';
import type { Db, Tx } from '../client';
import { dialectSql } from '../dialects/differences';
import { rawRows, rawRun } from '../dialects/raw';
import { affectedRows } from '../query';
import { families, guardians, phones, schools, staff, students, studentGuardians, welcomes } from '../schema';

/** Rows per bulk INSERT: one JSON value of a few hundred kilobytes. */
const BULK = 2000;
/** Values per IN list. */
const CHUNK = 400;

/** The tables the roster sync writes row by row (the rest it writes in set-based SQL, roster-sync.ts). */
export const rosterTables = { schools, staff, families, guardians, phones, studentGuardians, welcomes };
export type RosterTable = (typeof rosterTables)[keyof typeof rosterTables];
/** The tables whose rows the sync inserts with an id it needs back. */
export type TableWithId = typeof schools | typeof staff | typeof families | typeof guardians;
type Insert<T extends RosterTable> = T['$inferInsert'];

/**
 * Inserts rows in bulk, a JSON array per statement (see jsonRecords in differences.ts): building
 * and binding a multi-row VALUES list costs far more than the insert itself. A column a row
 * leaves out takes its default, as in a single-row insert; the id is the database's.
 */
async function bulkInsert(tx: Tx, table: RosterTable, rows: object[], returnIds: boolean): Promise<number[]> {
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
    ids.push(...inserted.map((r) => r.id).sort((a, b) => a - b));
  }
  return ids;
}

/** Inserts rows and returns their ids, in the rows' order. */
export async function insertMany<T extends TableWithId>(tx: Tx, table: T, rows: Insert<T>[]): Promise<number[]> {
  return bulkInsert(tx, table, rows, true);
}

/** Inserts rows without ids (link tables, phones). */
export async function insertLinks<T extends RosterTable>(tx: Tx, table: T, rows: Insert<T>[]): Promise<void> {
  await bulkInsert(tx, table, rows, false);
}

export type SchoolRow = typeof schools.$inferSelect;
export type StaffRow = typeof staff.$inferSelect;
export type GuardianRow = typeof guardians.$inferSelect;
export type FamilyRow = typeof families.$inferSelect;
export type PhoneRow = typeof phones.$inferSelect;
export type LinkRow = typeof studentGuardians.$inferSelect;

export async function allSchools(tx: Tx): Promise<SchoolRow[]> {
  return tx.select().from(schools).orderBy(schools.id);
}
export async function allStaff(tx: Tx): Promise<StaffRow[]> {
  return tx.select().from(staff).orderBy(staff.id);
}
export async function familiesOf(tx: Tx, schoolId: number): Promise<FamilyRow[]> {
  return tx.select().from(families).where(eq(families.schoolId, schoolId)).orderBy(families.id);
}
export async function guardiansOf(tx: Tx, schoolId: number): Promise<GuardianRow[]> {
  return tx.select().from(guardians).where(eq(guardians.schoolId, schoolId)).orderBy(guardians.id);
}
export async function phonesOf(tx: Tx, schoolId: number): Promise<PhoneRow[]> {
  const rows = await tx
    .select({ phone: phones })
    .from(phones)
    .innerJoin(guardians, eq(guardians.id, phones.guardianId))
    .where(eq(guardians.schoolId, schoolId))
    .orderBy(phones.id);
  return rows.map((r) => r.phone);
}
export async function linksOf(tx: Tx, schoolId: number): Promise<LinkRow[]> {
  const rows = await tx
    .select({ link: studentGuardians })
    .from(studentGuardians)
    .innerJoin(guardians, eq(guardians.id, studentGuardians.guardianId))
    .where(eq(guardians.schoolId, schoolId))
    .orderBy(studentGuardians.guardianId, studentGuardians.studentId);
  return rows.map((r) => r.link);
}

export async function updateRow<T extends TableWithId>(tx: Tx, table: T, id: number, patch: Partial<Insert<T>>): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  await tx.update(table).set(patch as any).where(eq(table.id, id));
}

export async function deleteLinks(tx: Tx, pairs: [studentId: number, guardianId: number][]): Promise<void> {
  for (const [a, b] of pairs) await tx.delete(studentGuardians).where(and(eq(studentGuardians.studentId, a), eq(studentGuardians.guardianId, b)));
}

export async function deletePhones(tx: Tx, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK) await tx.delete(phones).where(inArray(phones.id, ids.slice(i, i + CHUNK)));
}

/** Numbers already welcomed, ever. */
export async function welcomedNumbers(tx: Tx | Db, numbers: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < numbers.length; i += CHUNK) {
    const rows = await tx.select({ n: welcomes.phoneNumber }).from(welcomes).where(inArray(welcomes.phoneNumber, numbers.slice(i, i + CHUNK)));
    for (const r of rows) out.add(r.n);
  }
  return out;
}

/** Claims the one welcome of a number: false when it was welcomed already. */
export async function recordWelcome(db: Db, row: typeof welcomes.$inferInsert): Promise<boolean> {
  return affectedRows(await db.insert(welcomes).values(row).onConflictDoNothing()) > 0;
}

/** First names of a family's active students, for texts that name the children. */
export async function childrenOf(db: Db, familyId: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: students.id, firstName: students.firstName })
    .from(students)
    .innerJoin(studentGuardians, eq(studentGuardians.studentId, students.id))
    .innerJoin(guardians, eq(guardians.id, studentGuardians.guardianId))
    .where(and(eq(guardians.familyId, familyId), eq(students.active, true)))
    .orderBy(students.id);
  return rows.map((r) => r.firstName);
}

export async function setWelcomeMessage(db: Db, phoneNumber: string, messageId: number): Promise<void> {
  await db.update(welcomes).set({ messageId }).where(eq(welcomes.phoneNumber, phoneNumber));
}

/** Families an import added whose welcome text is not queued yet (an earlier run may have stopped short). */
export async function familiesAwaitingWelcome(db: Db): Promise<number[]> {
  const rows = await db.select({ id: families.id }).from(families).where(eq(families.welcomePending, true)).orderBy(families.id);
  return rows.map((r) => r.id);
}

export async function welcomeDone(db: Db, familyId: number): Promise<void> {
  await db.update(families).set({ welcomePending: false }).where(eq(families.id, familyId));
}
