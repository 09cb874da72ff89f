import { and, eq, sql } from 'drizzle-orm';
import { prepared } from '../prepared';
import { affectedRows } from '../query';
import type { Db } from '../client';
import { optOuts } from '../schema';

export interface OptOutChange {
  phoneNumber: string;
  sendingNumber: string;
  keyword: string | null;
  source: 'keyword' | 'carrier' | 'staff';
  at: string;
}

/** Records an opt-out; true when the number was not already opted out. */
export async function addOptOut(tx: Db, c: OptOutChange): Promise<boolean> {
  const res = await tx
    .insert(optOuts)
    .values({ phoneNumber: c.phoneNumber, sendingNumber: c.sendingNumber, keyword: c.keyword, source: c.source, since: c.at })
    .onConflictDoNothing();
  return affectedRows(res) > 0;
}

/** Removes an opt-out; true when there was one. */
export async function removeOptOut(tx: Db, phoneNumber: string, sendingNumber: string): Promise<boolean> {
  const res = await tx.delete(optOuts).where(and(eq(optOuts.phoneNumber, phoneNumber), eq(optOuts.sendingNumber, sendingNumber)));
  return affectedRows(res) > 0;
}

export async function isOptedOut(db: Db, phoneNumber: string, sendingNumbers: string[]): Promise<boolean> {
  const statement = prepared(db, 'optOuts.exists', () =>
    db
      .select({ id: optOuts.id })
      .from(optOuts)
      .where(and(eq(optOuts.phoneNumber, sql.placeholder('phone')), eq(optOuts.sendingNumber, sql.placeholder('sender')))),
  );
  for (const sender of sendingNumbers) if (await statement.first({ phone: phoneNumber, sender })) return true;
  return false;
}

export async function recordOptOut(db: Db, c: OptOutChange): Promise<boolean> {
  return addOptOut(db, c);
}
