import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client';
import { families, optOuts, phones } from '../schema';

/** How staff can reach guardians: their numbers, which are opted out, which families are paused. */

export async function phonesOfGuardians(db: Db, guardianIds: number[]): Promise<{ guardianId: number; number: string; canReceive: boolean }[]> {
  if (!guardianIds.length) return [];
  return db
    .select({ guardianId: phones.guardianId, number: phones.number, canReceive: phones.canReceive })
    .from(phones)
    .where(inArray(phones.guardianId, [...new Set(guardianIds)]))
    .orderBy(asc(phones.id));
}

/** The numbers among these that opted out of this sender. */
export async function optedOutNumbers(db: Db, numbers: string[], sendingKey: string): Promise<Set<string>> {
  if (!numbers.length) return new Set();
  const rows = await db
    .select({ number: optOuts.phoneNumber })
    .from(optOuts)
    .where(and(inArray(optOuts.phoneNumber, [...new Set(numbers)]), eq(optOuts.sendingNumber, sendingKey)));
  return new Set(rows.map((r) => r.number));
}

export async function familiesByIds(db: Db, ids: number[]): Promise<(typeof families.$inferSelect)[]> {
  if (!ids.length) return [];
  return db.select().from(families).where(inArray(families.id, [...new Set(ids)]));
}
