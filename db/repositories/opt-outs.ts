import { and, eq, sql } from 'drizzle-orm';
import { prepared } from '../prepared';
import type { Db, Tx } from '../client';
import { optOuts } from '../schema';

export interface OptOutChange {
  phoneNumber: string;
  sendingNumber: string;
  keyword: string | null;
  source: 'keyword' | 'carrier' | 'staff';
  at: string;
}

/** Records an opt-out; true when the number was not already opted out. */
export function addOptOut(tx: Db | Tx, c: OptOutChange): boolean {
  const res = tx
    .insert(optOuts)
    .values({ phoneNumber: c.phoneNumber, sendingNumber: c.sendingNumber, keyword: c.keyword, source: c.source, since: c.at })
    .onConflictDoNothing()
    .run();
  return res.changes > 0;
}

/** Removes an opt-out; true when there was one. */
export function removeOptOut(tx: Db | Tx, phoneNumber: string, sendingNumber: string): boolean {
  const res = tx
    .delete(optOuts)
    .where(and(eq(optOuts.phoneNumber, phoneNumber), eq(optOuts.sendingNumber, sendingNumber)))
    .run();
  return res.changes > 0;
}

export async function isOptedOut(db: Db, phoneNumber: string, sendingNumbers: string[]): Promise<boolean> {
  const statement = prepared(db, 'optOuts.exists', () =>
    db
      .select({ id: optOuts.id })
      .from(optOuts)
      .where(and(eq(optOuts.phoneNumber, sql.placeholder('phone')), eq(optOuts.sendingNumber, sql.placeholder('sender'))))
      .prepare(),
  );
  return sendingNumbers.some((sender) => statement.get({ phone: phoneNumber, sender }) !== undefined);
}

export async function recordOptOut(db: Db, c: OptOutChange): Promise<boolean> {
  return addOptOut(db, c);
}
