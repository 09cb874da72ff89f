import { and, asc, desc, eq, gt, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { transaction, type Db } from '../client';
import { first } from '../query';
import { conversations, messageEvents, messages } from '../schema';
import { prepared } from '../prepared';
import { boundVisibility, familyCondition, type Visibility } from './schools';

/** The staff API's reads of the conversation log (the messaging module owns the writes). */

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type MessageEventRow = typeof messageEvents.$inferSelect;

/** A conversation that never had a message sorts by when it was opened. */
const activity = sql<string>`coalesce(${conversations.lastMessageAt}, ${conversations.createdAt})`;

export interface ConversationFilter {
  familyId?: number;
  schoolId?: number;
  unmatched?: boolean;
  unread?: boolean;
}

export interface ConversationListRow extends ConversationRow {
  activity: string;
}

/** Newest activity first; the cursor is the (activity, id) pair of the last row seen. */
export async function listConversations(
  db: Db,
  vis: Visibility,
  filter: ConversationFilter,
  page: { limit: number; after?: { activity: string; id: number } },
): Promise<ConversationListRow[]> {
  const after = page.after;
  const rows = await db
    .select({ c: conversations, activity })
    .from(conversations)
    .where(
      and(
        familyCondition(conversations.schoolId, conversations.familyId, vis),
        filter.familyId !== undefined ? eq(conversations.familyId, filter.familyId) : undefined,
        filter.schoolId !== undefined ? eq(conversations.schoolId, filter.schoolId) : undefined,
        filter.unmatched === undefined ? undefined : filter.unmatched ? isNull(conversations.familyId) : isNotNull(conversations.familyId),
        filter.unread === undefined ? undefined : filter.unread ? gt(conversations.unreadCount, 0) : eq(conversations.unreadCount, 0),
        after ? or(lt(activity, after.activity), and(eq(activity, after.activity), lt(conversations.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(activity), desc(conversations.id))
    .limit(page.limit + 1);
  return rows.map((r) => ({ ...r.c, activity: r.activity }));
}

/** One conversation if the caller may see it: every inbox click, so prepared once per kind of caller. */
export async function findConversation(db: Db, id: number, vis: Visibility): Promise<ConversationRow | undefined> {
  const bound = boundVisibility(vis);
  const statement = prepared(db, `conversations.visible:${bound.shape}`, () =>
    db
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, sql.placeholder('id')), familyCondition(conversations.schoolId, conversations.familyId, bound.vis, 'row'))),
  );
  return statement.first({ id, ...bound.values });
}

/**
 * Oldest first, up to limit + 1 rows. When this page reaches the newest message the reader has
 * seen everything, so the conversation is marked read in the same transaction as the read: an
 * inbound text stored after it stays unread.
 */
export async function readConversationMessages(
  db: Db,
  conversationId: number,
  page: { limit: number; afterId?: number },
): Promise<MessageRow[]> {
  return transaction(db, async (tx) => {
    const rows = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), page.afterId !== undefined ? gt(messages.id, page.afterId) : undefined))
      .orderBy(asc(messages.id))
      .limit(page.limit + 1);
    if (rows.length <= page.limit) {
      await tx.update(conversations).set({ unreadCount: 0 }).where(eq(conversations.id, conversationId));
    }
    return rows;
  });
}

/** A message, only when its conversation is visible. */
export async function findMessage(db: Db, id: number, vis: Visibility): Promise<MessageRow | undefined> {
  const row = await first(
    db
      .select({ m: messages })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(eq(messages.id, id), familyCondition(conversations.schoolId, conversations.familyId, vis, 'row'))),
  );
  return row?.m;
}

/** Every status callback for a message in arrival order, applied or not. */
export async function listMessageEvents(db: Db, messageId: number): Promise<MessageEventRow[]> {
  return db.select().from(messageEvents).where(eq(messageEvents.messageId, messageId)).orderBy(asc(messageEvents.id));
}
