import { and, eq, sql } from 'drizzle-orm';
import { prepared } from '../prepared';
import { batchedRead } from '../batched-read';
import { dialectSql } from '../dialects/differences';
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
  return (await Promise.all(sendingNumbers.map((sender) => optedOutFrom(db, { phone: phoneNumber, sender })))).some(Boolean);
}

/** Whether the number opted out of this sender; checks asked for together (sends side by side) share one query. */
function optedOutFrom(db: Db, key: { phone: string; sender: string }): Promise<boolean> {
  return batchedRead(db, 'optOuts.exists', async (db, keys: { phone: string; sender: string }[]) => {
    const rows = await prepared(db, 'optOuts.ofPairs', () =>
      db
        .select({ phone: optOuts.phoneNumber, sender: optOuts.sendingNumber })
        .from(optOuts)
        .where(and(dialectSql().inJsonArray(optOuts.phoneNumber, sql.placeholder('phones'), 'text'), dialectSql().inJsonArray(optOuts.sendingNumber, sql.placeholder('senders'), 'text'))),
    ).all({ phones: JSON.stringify([...new Set(keys.map((k) => k.phone))]), senders: JSON.stringify([...new Set(keys.map((k) => k.sender))]) });
    const found = new Set(rows.map((r) => `${r.phone} ${r.sender}`));
    return keys.map((k) => found.has(`${k.phone} ${k.sender}`));
  })(key);
}

export async function recordOptOut(db: Db, c: OptOutChange): Promise<boolean> {
  return addOptOut(db, c);
}
