import { and, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../client';
import { bulkInsert } from '../bulk-insert';
import { affectedRows } from '../query';
import { families, guardians, phones, schools, staff, students, studentGuardians, welcomes } from '../schema';

/** Values per IN list. */
const CHUNK = 400;

/** The tables the roster sync writes row by row (the rest it writes in set-based SQL, roster-sync.ts). */
export const rosterTables = { schools, staff, families, guardians, phones, studentGuardians, welcomes };
export type RosterTable = (typeof rosterTables)[keyof typeof rosterTables];
/** The tables whose rows the sync inserts with an id it needs back. */
export type TableWithId = typeof schools | typeof staff | typeof families | typeof guardians;
type Insert<T extends RosterTable> = T['$inferInsert'];

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
