import { and, asc, count, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { rawRows } from '../dialects/raw';
import type { Db } from '../client';
import { broadcastRecipients, families, messages, students } from '../schema';

/** What a broadcast's progress, report and guardrail read (src/reminders). */

/** Messages of the broadcast by status, plus recipients skipped at fan-out. */
export async function broadcastCounts(db: Db, broadcastId: number): Promise<{ byStatus: Record<string, number>; skipped: number }> {
  const rows = await db.select({ status: messages.status, n: count() }).from(messages).where(eq(messages.broadcastId, broadcastId)).groupBy(messages.status);
  const [skipped] = await db
    .select({ n: count() })
    .from(broadcastRecipients)
    .where(and(eq(broadcastRecipients.broadcastId, broadcastId), eq(broadcastRecipients.status, 'skipped')));
  return { byStatus: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])), skipped: Number(skipped?.n ?? 0) };
}

/**
 * Texts the broadcast still has to hand to the carrier: waiting (queued, held) or claimed by a send
 * whose answer is not stored yet. One the carrier took ('sending' with a sid) is its business now.
 */
export async function waitingCount(db: Db, broadcastId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.broadcastId, broadcastId),
        or(inArray(messages.status, ['queued', 'held']), and(eq(messages.status, 'sending'), isNull(messages.providerSid))),
      ),
    );
  return Number(row?.n ?? 0);
}

/** The error codes of the broadcast's last `n` attempts (texts a send claimed), newest first. */
export async function lastAttemptCodes(db: Db, broadcastId: number, n: number): Promise<(number | null)[]> {
  const rows = await db
    .select({ code: messages.errorCode })
    .from(messages)
    .where(and(eq(messages.broadcastId, broadcastId), gt(messages.attempts, 0)))
    .orderBy(desc(messages.updatedAt), desc(messages.id))
    .limit(n);
  return rows.map((r) => r.code);
}

export interface ReportRow {
  recipientId: number;
  familyId: number;
  studentIds: string;
  phone: string | null;
  language: string;
  recipientStatus: string;
  reason: string | null;
  messageId: number | null;
  messageStatus: string | null;
  errorCode: number | null;
  failureReason: string | null;
}

/** One page of the report, in recipient order after `afterId`. */
export async function reportPage(db: Db, broadcastId: number, afterId: number, limit: number): Promise<ReportRow[]> {
  return db
    .select({
      recipientId: broadcastRecipients.id,
      familyId: broadcastRecipients.familyId,
      studentIds: broadcastRecipients.studentIds,
      phone: broadcastRecipients.phone,
      language: broadcastRecipients.language,
      recipientStatus: broadcastRecipients.status,
      reason: broadcastRecipients.reason,
      messageId: broadcastRecipients.messageId,
      messageStatus: messages.status,
      errorCode: messages.errorCode,
      failureReason: messages.failureReason,
    })
    .from(broadcastRecipients)
    .leftJoin(messages, eq(messages.id, broadcastRecipients.messageId))
    .where(and(eq(broadcastRecipients.broadcastId, broadcastId), gt(broadcastRecipients.id, afterId)))
    .orderBy(asc(broadcastRecipients.id))
    .limit(limit);
}

/**
 * Replies to the broadcast: inbound texts from a recipient's number in its family's conversation,
 * after its reminder left and before the next reminder to that number there. The bodies come
 * back (trimmed by the caller) so "reply 1" answers can be tallied.
 */
export async function repliesToBroadcast(db: Db, broadcastId: number): Promise<{ messageId: number; body: string }[]> {
  const rows = await rawRows<{ message_id: number | string; body: string }>(
    db,
    sql`select m.id as message_id, r.body as body
      from messages m
      join messages r on r.conversation_id = m.conversation_id and r.direction = 'inbound'
        and r.from_number = m.to_number and r.created_at >= m.sent_at
      where m.broadcast_id = ${broadcastId} and m.sent_at is not null
        and not exists (select 1 from messages n where n.conversation_id = m.conversation_id and n.direction = 'outbound'
          and n.kind = 'reminder' and n.to_number = m.to_number and n.id > m.id and n.created_at <= r.created_at)
      order by m.id, r.id`,
  );
  return rows.map((r) => ({ messageId: Number(r.message_id), body: r.body }));
}

/** Family names and student first names for a page of the report (the console shows names, the API ids). */
export async function reportNames(db: Db, familyIds: number[], studentIds: number[]): Promise<{ families: Map<number, string>; students: Map<number, string> }> {
  const fs = familyIds.length ? await db.select({ id: families.id, name: families.displayName }).from(families).where(inArray(families.id, familyIds)) : [];
  const ss = studentIds.length ? await db.select({ id: students.id, first: students.firstName, last: students.lastName }).from(students).where(inArray(students.id, studentIds)) : [];
  return { families: new Map(fs.map((f) => [f.id, f.name])), students: new Map(ss.map((s) => [s.id, `${s.first} ${s.last}`])) };
}
