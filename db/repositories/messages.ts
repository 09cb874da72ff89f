import { and, desc, eq, gte, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client';
import { conversations, messageEvents, messages, type MessageStatus } from '../schema';
import { addOptOut, removeOptOut, type OptOutChange } from './opt-outs';

export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;
export type ConversationRow = typeof conversations.$inferSelect;

export interface ConversationKey {
  schoolId: number | null;
  familyId: number | null;
  unmatchedNumber: string | null;
}

function findConversation(tx: Db | Tx, key: ConversationKey): ConversationRow | undefined {
  const school = key.schoolId === null ? isNull(conversations.schoolId) : eq(conversations.schoolId, key.schoolId);
  const who = key.familyId !== null ? eq(conversations.familyId, key.familyId) : eq(conversations.unmatchedNumber, key.unmatchedNumber!);
  return tx.select().from(conversations).where(and(school, who)).get();
}

export function conversationFor(tx: Db | Tx, key: ConversationKey, at: string): ConversationRow {
  const found = findConversation(tx, key);
  if (found) return found;
  return tx
    .insert(conversations)
    .values({ schoolId: key.schoolId, familyId: key.familyId, unmatchedNumber: key.familyId ? null : key.unmatchedNumber, createdAt: at })
    .returning()
    .get();
}

export async function getOrCreateConversation(db: Db, key: ConversationKey, at: string): Promise<ConversationRow> {
  return db.transaction((tx) => conversationFor(tx, key, at), { behavior: 'immediate' });
}

export async function getConversation(db: Db, id: number): Promise<ConversationRow | undefined> {
  return db.select().from(conversations).where(eq(conversations.id, id)).get();
}

export interface StoreInbound {
  message: Omit<NewMessage, 'conversationId'>;
  conversation: ConversationKey;
  optOut: { add: OptOutChange } | { remove: { phoneNumber: string; sendingNumber: string } } | null;
}

/**
 * Stores an inbound text, its conversation's activity and any opt-out change in one transaction.
 * A MessageSid already stored returns the first row and changes nothing.
 */
export async function storeInbound(db: Db, input: StoreInbound): Promise<{ message: MessageRow; created: boolean; optOutChanged: boolean }> {
  return db.transaction(
    (tx) => {
      const existing = tx.select().from(messages).where(eq(messages.providerSid, input.message.providerSid!)).get();
      if (existing) return { message: existing, created: false, optOutChanged: false };
      const conv = conversationFor(tx, input.conversation, input.message.createdAt);
      const message = tx.insert(messages).values({ ...input.message, conversationId: conv.id }).returning().get();
      tx.update(conversations)
        .set({ lastMessageAt: message.createdAt, unreadCount: conv.unreadCount + 1 })
        .where(eq(conversations.id, conv.id))
        .run();
      let optOutChanged = false;
      if (input.optOut && 'add' in input.optOut) optOutChanged = addOptOut(tx, input.optOut.add);
      if (input.optOut && 'remove' in input.optOut) {
        optOutChanged = removeOptOut(tx, input.optOut.remove.phoneNumber, input.optOut.remove.sendingNumber);
      }
      return { message, created: true, optOutChanged };
    },
    { behavior: 'immediate' },
  );
}

/** Outbound rows for one send, created together; the conversation's activity moves with them. */
export async function insertOutbound(db: Db, conversationId: number, rows: Omit<NewMessage, 'conversationId'>[]): Promise<MessageRow[]> {
  return db.transaction(
    (tx) => {
      const created = rows.map((r) => tx.insert(messages).values({ ...r, conversationId }).returning().get());
      if (created.length) {
        tx.update(conversations).set({ lastMessageAt: created[0].createdAt }).where(eq(conversations.id, conversationId)).run();
      }
      return created;
    },
    { behavior: 'immediate' },
  );
}

export async function getMessage(db: Db, id: number): Promise<MessageRow | undefined> {
  return db.select().from(messages).where(eq(messages.id, id)).get();
}

export async function updateMessage(db: Db, id: number, patch: Partial<NewMessage>): Promise<void> {
  db.update(messages).set(patch).where(eq(messages.id, id)).run();
}

export async function setConversationAssignee(db: Db, conversationId: number, staffId: number | null): Promise<void> {
  db.update(conversations).set({ assignedStaffId: staffId }).where(eq(conversations.id, conversationId)).run();
}

/** The staff member who last texted this conversation since `since`, if any. */
export async function lastStaffSender(db: Db, conversationId: number, since: string): Promise<number | null> {
  const row = db
    .select({ staffId: messages.staffId })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, conversationId),
        eq(messages.direction, 'outbound'),
        isNotNull(messages.staffId),
        gte(messages.createdAt, since),
      ),
    )
    .orderBy(desc(messages.id))
    .limit(1)
    .get();
  return row?.staffId ?? null;
}

export interface StatusEvent {
  providerSid: string;
  status: string;
  errorCode: number | null;
  raw: string;
  at: string;
}

/**
 * Keeps a status callback and applies it when `decide` says it moves the message forward.
 * A callback for a sid not stored yet (it can beat the send's own answer) is kept unattached;
 * attachProviderSid applies it later.
 */
export async function recordStatusEvent(
  db: Db,
  event: StatusEvent,
  decide: (current: MessageRow, event: StatusEvent) => Partial<NewMessage> | null,
): Promise<{ message: MessageRow | null; applied: boolean }> {
  return db.transaction(
    (tx) => {
      const message = tx.select().from(messages).where(eq(messages.providerSid, event.providerSid)).get() ?? null;
      const patch = message ? decide(message, event) : null;
      if (message && patch) tx.update(messages).set(patch).where(eq(messages.id, message.id)).run();
      tx.insert(messageEvents)
        .values({ ...event, messageId: message?.id ?? null, applied: Boolean(patch) })
        .run();
      return { message: message && patch ? { ...message, ...patch } : message, applied: Boolean(patch) };
    },
    { behavior: 'immediate' },
  );
}

/** Stores the provider's sid on a sent message and applies any callbacks that arrived first. */
export async function attachProviderSid(
  db: Db,
  messageId: number,
  patch: Partial<NewMessage> & { providerSid: string },
  decide: (current: MessageRow, event: StatusEvent) => Partial<NewMessage> | null,
): Promise<MessageRow> {
  return db.transaction(
    (tx) => {
      let message = tx.update(messages).set(patch).where(eq(messages.id, messageId)).returning().get();
      const early = tx
        .select()
        .from(messageEvents)
        .where(and(eq(messageEvents.providerSid, patch.providerSid), isNull(messageEvents.messageId)))
        .orderBy(messageEvents.id)
        .all();
      for (const ev of early) {
        const next = decide(message, { ...ev, raw: ev.raw });
        if (next) message = tx.update(messages).set(next).where(eq(messages.id, messageId)).returning().get();
        tx.update(messageEvents).set({ messageId, applied: Boolean(next) }).where(eq(messageEvents.id, ev.id)).run();
      }
      return message;
    },
    { behavior: 'immediate' },
  );
}

export type { MessageStatus };

/** Outbound messages still waiting to leave whose time has come (held) or that have waited long (queued). */
export async function strandedOutbound(db: Db, queuedBefore: string, heldUntil: string, limit = 500): Promise<number[]> {
  const rows = db
    .select({ id: messages.id })
    .from(messages)
    .where(
      or(
        and(eq(messages.status, 'queued'), isNull(messages.providerSid), lte(messages.updatedAt, queuedBefore)),
        and(eq(messages.status, 'held'), lte(messages.scheduledFor, heldUntil)),
      ),
    )
    .orderBy(messages.id)
    .limit(limit)
    .all();
  return rows.map((r) => r.id);
}

/** Message counts by direction and status, for /metrics. */
export async function countByStatus(db: Db): Promise<{ direction: string; status: string; count: number }[]> {
  return db
    .select({ direction: messages.direction, status: messages.status, count: sql<number>`count(*)` })
    .from(messages)
    .groupBy(messages.direction, messages.status)
    .all();
}
