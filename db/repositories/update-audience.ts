import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client';
import { families, guardians, optOuts, phones, students, studentGuardians } from '../schema';

/** What a teacher's update needs to know about who may get it (src/updates/audience.ts decides). */

export type FamilyRow = typeof families.$inferSelect;

// Well under SQLite's bound-parameter limit.
const CHUNK = 500;
async function chunked<I, T>(ids: I[], fn: (part: I[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await fn(ids.slice(i, i + CHUNK))));
  return out;
}

export interface ContactLink {
  studentId: number;
  guardianId: number;
  familyId: number;
  mayContact: boolean;
}

/** Every active guardian of each active student, in an active family, with their no-contact flag. */
export async function contactLinks(db: Db, studentIds: number[]): Promise<ContactLink[]> {
  return chunked(studentIds, (part) =>
    db
      .select({ studentId: studentGuardians.studentId, guardianId: guardians.id, familyId: guardians.familyId, mayContact: studentGuardians.mayContact })
      .from(studentGuardians)
      .innerJoin(students, and(eq(students.id, studentGuardians.studentId), eq(students.active, true)))
      .innerJoin(guardians, and(eq(guardians.id, studentGuardians.guardianId), eq(guardians.active, true)))
      .innerJoin(families, and(eq(families.id, guardians.familyId), eq(families.active, true)))
      .where(inArray(studentGuardians.studentId, part))
      .orderBy(asc(guardians.familyId), asc(guardians.id)),
  );
}

export async function familiesByIds(db: Db, ids: number[]): Promise<FamilyRow[]> {
  return chunked(ids, (part) => db.select().from(families).where(inArray(families.id, part)).orderBy(asc(families.id)));
}

/** Every number of the given guardians, textable or not (the caller says why one is left out). */
export async function phonesOfGuardians(db: Db, guardianIds: number[]): Promise<{ guardianId: number; number: string; canReceive: boolean }[]> {
  return chunked(guardianIds, (part) =>
    db
      .select({ guardianId: phones.guardianId, number: phones.number, canReceive: phones.canReceive })
      .from(phones)
      .where(inArray(phones.guardianId, part))
      .orderBy(asc(phones.guardianId), asc(phones.id)),
  );
}

/** Which of these numbers have opted out of texts from this sender. */
export async function optedOutNumbers(db: Db, numbers: string[], sendingNumber: string): Promise<Set<string>> {
  const rows = await chunked([...new Set(numbers)], (part) =>
    db
      .select({ number: optOuts.phoneNumber })
      .from(optOuts)
      .where(and(eq(optOuts.sendingNumber, sendingNumber), inArray(optOuts.phoneNumber, part))),
  );
  return new Set(rows.map((r) => r.number));
}
