import { and, asc, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { transaction } from '../transaction';
import { first } from '../query';
import {
  broadcastRecipients,
  broadcasts,
  conversations,
  messages,
  type BroadcastStatus,
} from '../schema';
import type { NewMessage } from './messages';
import { bulkInsert } from '../bulk-insert';

/** What bulk reminders (src/reminders) store and read while they are created and fanned out. */

export type BroadcastRow = typeof broadcasts.$inferSelect;
export type NewBroadcast = typeof broadcasts.$inferInsert;
export type RecipientRow = typeof broadcastRecipients.$inferSelect;
export type { StudentFilter } from './broadcast-audience';
export type NewRecipient = Omit<typeof broadcastRecipients.$inferInsert, 'broadcastId' | 'page' | 'messageId' | 'createdAt'>;

export async function insertBroadcast(db: Db, row: NewBroadcast): Promise<BroadcastRow> {
  const [created] = await db.insert(broadcasts).values(row).returning();
  return created;
}

export async function getBroadcast(db: Db, id: number): Promise<BroadcastRow | undefined> {
  return first(db.select().from(broadcasts).where(eq(broadcasts.id, id)));
}

/** Newest first; `schoolIds` null means every school. Fetch limit + 1 to know whether more follow. */
export async function listBroadcasts(db: Db, schoolIds: number[] | null, pageOpts: { limit: number; beforeId?: number }): Promise<BroadcastRow[]> {
  if (schoolIds && !schoolIds.length) return [];
  return db
    .select()
    .from(broadcasts)
    .where(and(schoolIds ? inArray(broadcasts.schoolId, schoolIds) : undefined, pageOpts.beforeId ? lt(broadcasts.id, pageOpts.beforeId) : undefined))
    .orderBy(desc(broadcasts.id))
    .limit(pageOpts.limit + 1);
}

/** Broadcasts the guardrail paused, newest first, in these schools (null: every school). */
export async function guardrailPausedBroadcasts(db: Db, schoolIds: number[] | null, limit: number): Promise<Pick<BroadcastRow, 'id' | 'schoolId'>[]> {
  if (schoolIds && !schoolIds.length) return [];
  return db
    .select({ id: broadcasts.id, schoolId: broadcasts.schoolId })
    .from(broadcasts)
    .where(and(eq(broadcasts.status, 'paused'), eq(broadcasts.pausedReason, 'guardrail'), schoolIds ? inArray(broadcasts.schoolId, schoolIds) : undefined))
    .orderBy(desc(broadcasts.id))
    .limit(limit);
}

/** Broadcasts with work left, for the tick's recovery: sending or about to, or canceled with families yet to be listed. */
export async function activeBroadcasts(db: Db): Promise<BroadcastRow[]> {
  return db
    .select()
    .from(broadcasts)
    .where(or(inArray(broadcasts.status, ['scheduled', 'sending']), and(eq(broadcasts.status, 'canceled'), eq(broadcasts.fanoutDone, false))))
    .orderBy(asc(broadcasts.id));
}

/**
 * Moves a broadcast from one of `from` to `to` in one conditional UPDATE, so two requests (or a
 * request and the guardrail) never both win. Returns the row as changed, or null.
 */
export async function moveBroadcast(
  db: Db,
  id: number,
  from: BroadcastStatus[],
  patch: { status: BroadcastStatus; pausedReason?: BroadcastRow['pausedReason']; nextRound?: boolean },
  at: string,
): Promise<BroadcastRow | null> {
  const row = await first(
    db
      .update(broadcasts)
      .set({
        status: patch.status,
        pausedReason: patch.pausedReason ?? null,
        ...(patch.nextRound ? { sendRound: sql`${broadcasts.sendRound} + 1` } : {}),
        updatedAt: at,
      })
      .where(and(eq(broadcasts.id, id), inArray(broadcasts.status, from)))
      .returning(),
  );
  return row ?? null;
}

export interface FanoutPage {
  broadcastId: number;
  schoolId: number;
  /** The cursor this page starts from; the page is stored only while the broadcast still has it. */
  fromCursor: number;
  toCursor: number;
  page: number;
  last: boolean;
  /** Each recipient, with the message to create for it (none for a skipped one). */
  rows: { recipient: NewRecipient; message: Omit<NewMessage, 'conversationId'> | null }[];
  at: string;
  /** The page of a canceled broadcast: its texts are stored 'canceled', for the report. */
  canceled: boolean;
}

// The conversations' multi-row inserts stay far under either dialect's bound-parameter limit.
const ROWS_PER_INSERT = 200;

/**
 * Stores one fan-out page in one transaction: the families' conversations (created when missing),
 * their messages, the recipient rows and the broadcast's cursor. The cursor moves only from
 * `fromCursor`, first, so a rerun of a page already stored (a fan-out job run again after a crash)
 * stores nothing: false. The same UPDATE takes the broadcast's row lock, so a cancel and a page
 * never pass each other unseen.
 */
export async function storeFanoutPage(db: Db, p: FanoutPage): Promise<boolean> {
  return transaction(db, async (tx) => {
    const moved = await tx
      .update(broadcasts)
      .set({ fanoutCursor: p.toCursor, pages: sql`${broadcasts.pages} + 1`, fanoutDone: p.last, updatedAt: p.at })
      .where(
        and(
          eq(broadcasts.id, p.broadcastId),
          eq(broadcasts.fanoutCursor, p.fromCursor),
          eq(broadcasts.fanoutDone, false),
          // A cancel that committed first stops a page of waiting texts (the fan-out then stores it
          // canceled); one that follows it cancels the page's texts too.
          inArray(broadcasts.status, p.canceled ? ['canceled'] : ['scheduled', 'sending', 'paused']),
        ),
      )
      .returning({ id: broadcasts.id });
    if (!moved.length) return false;
    const sending = p.rows.filter((r) => r.message);
    const familyIds = [...new Set(sending.map((r) => r.recipient.familyId))];
    const conversationOf = new Map<number, number>();
    for (let i = 0; i < familyIds.length; i += ROWS_PER_INSERT) {
      const part = familyIds.slice(i, i + ROWS_PER_INSERT);
      await tx
        .insert(conversations)
        .values(part.map((familyId) => ({ schoolId: p.schoolId, familyId, createdAt: p.at, lastMessageAt: p.at })))
        .onConflictDoNothing();
      // A canceled text is no news: the family's conversation keeps its place in the inbox.
      if (!p.canceled) await tx.update(conversations).set({ lastMessageAt: p.at }).where(and(eq(conversations.schoolId, p.schoolId), inArray(conversations.familyId, part)));
      const found = await tx
        .select({ id: conversations.id, familyId: conversations.familyId })
        .from(conversations)
        .where(and(eq(conversations.schoolId, p.schoolId), inArray(conversations.familyId, part)));
      for (const c of found) conversationOf.set(c.familyId!, c.id);
    }
    // One JSON value per statement (bulk-insert.ts): a VALUES list of 500 rows costs far more to build than to insert.
    const messageIds = await bulkInsert(
      tx,
      messages,
      sending.map((r) => ({ ...r.message!, conversationId: conversationOf.get(r.recipient.familyId)!, broadcastId: p.broadcastId })),
      true,
    );
    let next = 0;
    const rows = p.rows.map((r) => ({
      ...r.recipient,
      broadcastId: p.broadcastId,
      page: p.page,
      messageId: r.message ? messageIds[next++] : null,
      createdAt: p.at,
    }));
    // The cursor's move above already keeps a page from being stored twice.
    await bulkInsert(tx, broadcastRecipients, rows, false);
    return true;
  });
}

export interface QueuedText {
  messageId: number;
  /** When it may leave: its due time, or for one held by quiet hours the window's opening. */
  dueAt: string | null;
  sendRound: number;
  attempts: number;
}

/**
 * When a waiting text may leave: a queued one at its due time, a held one (quiet hours, a paused
 * family) when its hold ends. Held texts stay with their page's batch job rather than getting a
 * send job each: at 08:00 thousands of them would each reserve a paced slot ahead of any reply.
 */
const waitsUntil = sql<string | null>`case when ${messages.status} = 'held' then ${messages.scheduledFor} else ${broadcastRecipients.dueAt} end`;

/** A page's texts still waiting for their batch job (queued or held), soonest first. */
export async function waitingOfPage(db: Db, broadcastId: number, page: number, limit: number): Promise<QueuedText[]> {
  const rows = await db
    .select({ messageId: messages.id, dueAt: waitsUntil, sendRound: messages.sendRound, attempts: messages.attempts })
    .from(broadcastRecipients)
    .innerJoin(messages, eq(messages.id, broadcastRecipients.messageId))
    .where(and(eq(broadcastRecipients.broadcastId, broadcastId), eq(broadcastRecipients.page, page), inArray(messages.status, ['queued', 'held'])))
    .orderBy(waitsUntil, asc(messages.id))
    .limit(limit);
  return rows;
}

/** Pages that still have a waiting text, with the soonest it may leave (a resume or a lost job gives each a new batch job). */
export async function pagesWithWaiting(db: Db, broadcastId: number): Promise<{ page: number; dueAt: string | null }[]> {
  return db
    .select({ page: broadcastRecipients.page, dueAt: sql<string | null>`min(${waitsUntil})` })
    .from(broadcastRecipients)
    .innerJoin(messages, eq(messages.id, broadcastRecipients.messageId))
    .where(and(eq(broadcastRecipients.broadcastId, broadcastId), inArray(messages.status, ['queued', 'held'])))
    .groupBy(broadcastRecipients.page)
    .orderBy(asc(broadcastRecipients.page));
}

/** Cancel: every text still waiting (queued, held) ends 'canceled'; what was sent stays sent. */
export async function cancelWaiting(db: Db, broadcastId: number, at: string): Promise<{ id: number; conversationId: number }[]> {
  return db
    .update(messages)
    .set({ status: 'canceled', scheduledFor: null, updatedAt: at })
    .where(and(eq(messages.broadcastId, broadcastId), inArray(messages.status, ['queued', 'held'])))
    .returning({ id: messages.id, conversationId: messages.conversationId });
}

