import { and, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, notExists, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { transaction } from '../transaction';
import { affectedRows, first } from '../query';
import { conversations, messageEvents, messages, type EventSource, type MessageStatus } from '../schema';
import { prepared } from '../prepared';
import type { MessageEventRow } from './conversation-reads';
import { groupCommit } from '../group-commit';
import { batchedByKey } from '../batched-read';
import { dialectSql } from '../dialects/differences';
import { rawRows } from '../dialects/raw';
import { recordStatusEvents } from './status-events';
import { attachMany, claimMany, insertOutboundMany } from './send-batch';

export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;
export type ConversationRow = typeof conversations.$inferSelect;

export interface ConversationKey {
  schoolId: number | null;
  familyId: number | null;
  unmatchedNumber: string | null;
}

const P = sql.placeholder;

/** Conversation lookups, one prepared statement per kind of key. */
function findConversation(db: Db, key: ConversationKey): Promise<ConversationRow | undefined> {
  if (key.familyId !== null) {
    return prepared(db, 'conversations.byFamily', () =>
      db.select().from(conversations).where(and(eq(conversations.schoolId, P('schoolId')), eq(conversations.familyId, P('familyId')))),
    ).first({ schoolId: key.schoolId, familyId: key.familyId });
  }
  if (key.schoolId === null) {
    return prepared(db, 'conversations.unmatchedNoSchool', () =>
      db.select().from(conversations).where(and(isNull(conversations.schoolId), eq(conversations.unmatchedNumber, P('number')))),
    ).first({ number: key.unmatchedNumber });
  }
  return prepared(db, 'conversations.unmatched', () =>
    db.select().from(conversations).where(and(eq(conversations.schoolId, P('schoolId')), eq(conversations.unmatchedNumber, P('number')))),
  ).first({ schoolId: key.schoolId, number: key.unmatchedNumber });
}

/**
 * The conversation for a key, created when missing. Two callers at once (two hosts storing two
 * texts from one family) both end with the one row: the loser's insert does nothing and it reads
 * the winner's.
 */
export async function conversationFor(db: Db, key: ConversationKey, at: string): Promise<ConversationRow> {
  const found = await findConversation(db, key);
  if (found) return found;
  const [created] = await db
    .insert(conversations)
    .values({ schoolId: key.schoolId, familyId: key.familyId, unmatchedNumber: key.familyId ? null : key.unmatchedNumber, createdAt: at })
    .onConflictDoNothing()
    .returning();
  return created ?? (await findConversation(db, key))!;
}

export async function getOrCreateConversation(db: Db, key: ConversationKey, at: string): Promise<ConversationRow> {
  return (await findConversation(db, key)) ?? transaction(db, (tx) => conversationFor(tx, key, at));
}

/** Reads side by side (a burst of API requests) share one query. */
export async function getConversation(db: Db, id: number): Promise<ConversationRow | undefined> {
  const [row] = await batchedByKey(
    db,
    'conversations.byId',
    (db, ids) => prepared(db, 'conversations.byIds', () => db.select().from(conversations).where(dialectSql().inJsonArray(conversations.id, P('ids'), 'integer'))).all({ ids }),
    (c) => c.id,
  )(id);
  return row;
}

/** A sid names at most one message per direction (see the schema's index). */
export function messageBySid(db: Db, direction: MessageRow['direction'], sid: string): Promise<MessageRow | undefined> {
  return prepared(db, 'messages.bySid', () =>
    db.select().from(messages).where(and(eq(messages.direction, P('direction')), eq(messages.providerSid, P('sid')))),
  ).first({ direction, sid });
}

/** Every column of a message, so one prepared insert serves every kind. */
export const MESSAGE_COLUMNS = [
  'conversationId', 'direction', 'kind', 'body', 'language', 'originalBody', 'originalLanguage', 'encoding', 'segments', 'fromNumber', 'toNumber', 'status',
  'providerSid', 'errorCode', 'staffId', 'urgent', 'confirmsOptOut', 'attempts', 'scheduledFor', 'sentAt', 'createdAt', 'updatedAt',
] as const;
export const MESSAGE_DEFAULTS = { language: null, originalBody: null, originalLanguage: null, encoding: null, segments: null, providerSid: null, errorCode: null, staffId: null, urgent: false, confirmsOptOut: false, attempts: 0, scheduledFor: null, sentAt: null };

/** The new row, or undefined when its provider sid is already stored for its direction. */
export async function insertMessage(db: Db, row: NewMessage): Promise<MessageRow | undefined> {
  const statement = prepared(db, 'messages.insert', () =>
    db
      .insert(messages)
      .values(Object.fromEntries(MESSAGE_COLUMNS.map((c) => [c, P(c)])) as unknown as NewMessage)
      .onConflictDoNothing()
      .returning(),
  );
  // Each placeholder is bound through its column, so a boolean reaches each dialect as it stores one.
  return statement.first({ ...MESSAGE_DEFAULTS, ...row });
}

/** Outbound rows for one send, created together; the conversation's activity moves with them. */
export interface OutboundInput {
  conversationId: number;
  rows: Omit<NewMessage, 'conversationId'>[];
}

export async function insertOutbound(db: Db, conversationId: number, rows: Omit<NewMessage, 'conversationId'>[]): Promise<MessageRow[]> {
  return groupCommit(
    db,
    'insertOutbound',
    async (tx, { conversationId, rows }: OutboundInput) => {
      const created: MessageRow[] = [];
      for (const r of rows) created.push((await insertMessage(tx, { ...r, conversationId }))!);
      if (created.length) {
        await prepared(tx, 'conversations.touchOutbound', () =>
          tx.update(conversations).set({ lastMessageAt: sql`${P('at')}` }).where(eq(conversations.id, P('id'))),
        ).affected({ at: created[0].createdAt, id: conversationId });
      }
      return created;
    },
    insertOutboundMany,
  )({ conversationId, rows });
}

export async function getMessage(db: Db, id: number): Promise<MessageRow | undefined> {
  return prepared(db, 'messages.byId', () => db.select().from(messages).where(eq(messages.id, P('id')))).first({ id });
}

export async function updateMessage(db: Db, id: number, patch: Partial<NewMessage>): Promise<void> {
  await db.update(messages).set(patch).where(eq(messages.id, id));
}

/** A message no send has claimed yet: waiting for its job, or held for its time. */
const UNSENT: MessageStatus[] = ['queued', 'held'];

/**
 * Changes a message only while it still waits to leave, so a worker that read it before another
 * claimed it cannot undo that claim. False when it had already left the waiting states.
 */
export async function updateUnsent(db: Db, id: number, patch: Partial<NewMessage>): Promise<boolean> {
  return affectedRows(await db.update(messages).set(patch).where(and(eq(messages.id, id), inArray(messages.status, UNSENT)))) > 0;
}

/**
 * Claims a waiting message for one send, in one conditional UPDATE (the same on SQLite and
 * PostgreSQL): status 'sending', one more attempt, held until `claimedUntil`. A message another
 * worker claimed, or the carrier already took, is not waiting any more: null, and nothing is sent.
 */
export async function claimForSend(db: Db, id: number, claimedUntil: string, at: string): Promise<MessageRow | null> {
  return groupCommit(
    db,
    'claimForSend',
    async (tx, { id, claimedUntil, at }: ClaimInput) =>
      (
        await prepared(tx, 'messages.claim', () =>
          tx
            .update(messages)
            .set({ status: 'sending', attempts: sql`${messages.attempts} + 1`, claimedUntil: sql`${P('claimedUntil')}`, updatedAt: sql`${P('at')}` })
            .where(and(eq(messages.id, P('id')), inArray(messages.status, UNSENT), isNull(messages.providerSid)))
            .returning(),
        ).first({ id, claimedUntil, at })
      ) ?? null,
    claimMany,
  )({ id, claimedUntil, at });
}

/**
 * Ends a claim the carrier refused: back in line ('queued', for a retryable error) or 'failed'.
 * False when the claim had lapsed and the message was settled meanwhile (see failLapsedClaims).
 */
export async function releaseClaim(db: Db, id: number, patch: Pick<MessageRow, 'errorCode' | 'updatedAt'> & { status: 'queued' | 'failed' }): Promise<boolean> {
  const res = await db
    .update(messages)
    .set({ ...patch, claimedUntil: null })
    .where(and(eq(messages.id, id), eq(messages.status, 'sending'), isNull(messages.providerSid)));
  return affectedRows(res) > 0;
}

/**
 * Gives back a claim whose send did not happen (its sender had no slot soon enough): the message
 * is as it was before claimForSend, its attempt not counted. False when the claim had lapsed.
 */
export async function unclaim(db: Db, id: number, status: 'queued' | 'held', at: string): Promise<boolean> {
  const res = await db
    .update(messages)
    .set({ status, attempts: sql`${messages.attempts} - 1`, claimedUntil: null, updatedAt: at })
    .where(and(eq(messages.id, id), eq(messages.status, 'sending'), isNull(messages.providerSid)));
  return affectedRows(res) > 0;
}

/**
 * Fails every message whose claim lapsed before the carrier's answer was stored: its worker died
 * somewhere between claiming it and storing the sid, so the carrier may or may not have the text.
 */
export async function failLapsedClaims(db: Db, now: string, reason: string, at: string): Promise<Pick<MessageRow, 'id' | 'toNumber'>[]> {
  return db
    .update(messages)
    .set({ status: 'failed', failureReason: reason, claimedUntil: null, updatedAt: at })
    .where(and(eq(messages.status, 'sending'), isNull(messages.providerSid), lt(messages.claimedUntil, now)))
    .returning({ id: messages.id, toNumber: messages.toNumber });
}

/**
 * Puts a message the carrier could not deliver back in line for another try: held until `until`,
 * its old provider sid let go (the next send gets its own), on a new send round whose number
 * names the new job. Only from the failure the callback for `providerSid` just recorded, so a
 * repeated callback, or two at once, schedule one try. Null when it scheduled nothing.
 */
export async function holdForRetry(db: Db, id: number, providerSid: string, until: string, at: string): Promise<number | null> {
  const row = await first(
    db
      .update(messages)
      .set({ status: 'held', scheduledFor: until, providerSid: null, sendRound: sql`${messages.sendRound} + 1`, updatedAt: at })
      .where(and(eq(messages.id, id), eq(messages.providerSid, providerSid), inArray(messages.status, ['undelivered', 'failed'])))
      .returning({ sendRound: messages.sendRound }),
  );
  return row?.sendRound ?? null;
}

/**
 * Starts a new send round for a waiting message whose job was lost, unless it moved on since
 * `round` was read. Returns the new round (its job's id), or null.
 */
export async function nextSendRound(db: Db, id: number, round: number, at: string): Promise<number | null> {
  const row = await first(
    db
      .update(messages)
      .set({ sendRound: round + 1, updatedAt: at })
      .where(and(eq(messages.id, id), eq(messages.sendRound, round), inArray(messages.status, UNSENT)))
      .returning({ sendRound: messages.sendRound }),
  );
  return row?.sendRound ?? null;
}

export async function setConversationAssignee(db: Db, conversationId: number, staffId: number | null): Promise<void> {
  await db.update(conversations).set({ assignedStaffId: staffId }).where(eq(conversations.id, conversationId));
}

/** The staff member who last texted this conversation since `since`, if any. */
export async function lastStaffSender(db: Db, conversationId: number, since: string): Promise<number | null> {
  const row = await first(
    db
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
    .limit(1),
  );
  return row?.staffId ?? null;
}

export interface StatusEvent {
  providerSid: string;
  status: string;
  errorCode: number | null;
  raw: string;
  at: string;
  /** Default 'callback'. */
  source?: EventSource;
}

/** What a status callback changes on a message, when it moves it forward. */
export type StatusPatch = Pick<MessageRow, 'status' | 'errorCode' | 'updatedAt'>;
export type DecideStatus = (current: MessageRow, event: Pick<StatusEvent, 'status' | 'errorCode'>) => StatusPatch | null;
export interface StatusInput {
  event: StatusEvent;
  decide: DecideStatus;
}

async function applyStatus(db: Db, id: number, patch: StatusPatch): Promise<void> {
  await prepared(db, 'messages.setStatus', () =>
    db
      .update(messages)
      .set({ status: sql`${P('status')}`, errorCode: sql`${P('errorCode')}`, updatedAt: sql`${P('updatedAt')}` })
      .where(eq(messages.id, P('id'))),
  ).affected({ ...patch, id });
}

async function insertEvent(db: Db, event: StatusEvent, messageId: number | null, applied: boolean): Promise<void> {
  await prepared(db, 'messageEvents.insert', () =>
    db.insert(messageEvents).values({
      messageId: P('messageId'),
      providerSid: P('providerSid'),
      status: P('status'),
      errorCode: P('errorCode'),
      applied: P('applied'),
      source: P('source'),
      raw: P('raw'),
      at: P('at'),
    } as unknown as typeof messageEvents.$inferInsert),
  ).affected({ ...event, source: event.source ?? 'callback', messageId, applied });
}

/**
 * Keeps a status callback and applies it when `decide` says it moves the message forward.
 * Callbacks report on texts we sent, so only an outbound message is looked up: one naming a
 * received text's sid changes nothing. A callback for a sid not stored yet (it can beat the
 * send's own answer) is kept unattached; attachProviderSid applies it later.
 */
export async function recordStatusEvent(db: Db, event: StatusEvent, decide: DecideStatus): Promise<{ message: MessageRow | null; applied: boolean }> {
  return groupCommit(
    db,
    'recordStatusEvent',
    async (tx, { event, decide }: StatusInput) => {
      await lockSid(tx, event.providerSid);
      const message = (await messageBySid(tx, 'outbound', event.providerSid)) ?? null;
      const patch = message ? decide(message, event) : null;
      if (message && patch) await applyStatus(tx, message.id, patch);
      await insertEvent(tx, event, message?.id ?? null, Boolean(patch));
      return { message: message && patch ? { ...message, ...patch } : message, applied: Boolean(patch) };
    },
    recordStatusEvents,
  )({ event, decide });
}

export type Accepted = Pick<MessageRow, 'sentAt' | 'segments' | 'updatedAt'> & { providerSid: string };
export interface AttachInput {
  messageId: number;
  accepted: Accepted;
  decide: DecideStatus;
}
export interface ClaimInput {
  id: number;
  claimedUntil: string;
  at: string;
}

/**
 * Stores the provider's sid on a claimed message (which ends the claim) and applies the callbacks
 * that beat the send's own answer. Returns the message and those callbacks that moved it, for
 * the caller to act on them as on any callback. A claim that lapsed meanwhile is overridden:
 * the carrier has the text, and its sid is the truth.
 */
export async function attachProviderSid(db: Db, messageId: number, accepted: Accepted, decide: DecideStatus): Promise<{ message: MessageRow; early: MessageEventRow[] }> {
  return groupCommit(
    db,
    'attachProviderSid',
    async (tx, { messageId, accepted, decide }: AttachInput) => {
      await lockSid(tx, accepted.providerSid);
      const message = await prepared(tx, 'messages.accept', () =>
        tx
          .update(messages)
          .set({
            providerSid: sql`${P('providerSid')}`,
            status: 'sending',
            scheduledFor: null,
            claimedUntil: null,
            failureReason: null,
            sentAt: sql`${P('sentAt')}`,
            segments: sql`${P('segments')}`,
            updatedAt: sql`${P('updatedAt')}`,
          })
          .where(and(eq(messages.id, P('id')), isNull(messages.providerSid)))
          .returning(),
      ).first({ ...accepted, id: messageId });
      if (!message) throw new Error(`message ${messageId} is missing or already has a provider sid`);
      const unattached = await prepared(tx, 'messageEvents.unattached', () =>
        tx
          .select()
          .from(messageEvents)
          .where(and(eq(messageEvents.providerSid, P('sid')), isNull(messageEvents.messageId)))
          .orderBy(messageEvents.id),
      ).all({ sid: accepted.providerSid });
      return applyUnattached(tx, message, unattached, decide);
    },
    attachMany,
  )({ messageId, accepted, decide });
}

/** Callbacks kept before the message had its sid: attached to it, and applied when they move it forward. */
export async function applyUnattached(tx: Db, message: MessageRow, unattached: MessageEventRow[], decide: DecideStatus): Promise<{ message: MessageRow; early: MessageEventRow[] }> {
  const early: MessageEventRow[] = [];
  for (const ev of unattached) {
    const next = decide(message, ev);
    if (next) {
      await applyStatus(tx, message.id, next);
      message = { ...message, ...next };
      early.push(ev);
    }
    await tx.update(messageEvents).set({ messageId: message.id, applied: Boolean(next) }).where(eq(messageEvents.id, ev.id));
  }
  return { message, early };
}

export type { MessageStatus, MessageEventRow };

/**
 * A callback that beats the send's own answer and the storing of that answer must not pass each
 * other unseen (each in its own transaction, neither seeing the other's row): both take this
 * lock on the sid first, so one of them always finds what the other wrote.
 */
export async function lockSid(tx: Db, sid: string): Promise<void> {
  const lock = dialectSql().keyLock(`provider-sid:${sid}`);
  if (lock) await rawRows(tx, lock);
}

/** Outbound messages still waiting to leave whose time has come (held) or that have waited long (queued). */
export async function strandedOutbound(db: Db, queuedBefore: string, heldUntil: string, limit = 500): Promise<Pick<MessageRow, 'id' | 'sendRound'>[]> {
  return db
    .select({ id: messages.id, sendRound: messages.sendRound })
    .from(messages)
    .where(
      and(
        or(
          and(eq(messages.status, 'queued'), isNull(messages.providerSid), lte(messages.updatedAt, queuedBefore)),
          and(eq(messages.status, 'held'), lte(messages.scheduledFor, heldUntil)),
        ),
        // A broadcast's texts wait for their page's batch job, which src/reminders/recover.ts restores.
        isNull(messages.broadcastId),
      ),
    )
    .orderBy(messages.id)
    .limit(limit);
}

/** Message counts by direction and status, for /metrics. */
export async function countByStatus(db: Db): Promise<{ direction: string; status: string; count: number }[]> {
  return db
    .select({ direction: messages.direction, status: messages.status, count: sql<number>`count(*)` })
    .from(messages)
    .groupBy(messages.direction, messages.status);
}

/**
 * Texts the provider took that still sit in queued, sending or sent since `settledBy` (and were
 * handed over after `sentAfter`), not looked up since their status last changed: the ones whose
 * final callback may have been lost. Each status is asked about once.
 */
export async function unsettledOutbound(db: Db, settledBy: string, sentAfter: string, limit: number): Promise<{ id: number; providerSid: string }[]> {
  const lookedUp = db
    .select({ id: messageEvents.id })
    .from(messageEvents)
    .where(and(eq(messageEvents.messageId, messages.id), eq(messageEvents.source, 'lookup'), gt(messageEvents.at, messages.updatedAt)));
  const rows = await db
    .select({ id: messages.id, providerSid: messages.providerSid })
    .from(messages)
    .where(
      and(
        inArray(messages.status, ['queued', 'sending', 'sent']),
        isNotNull(messages.providerSid),
        lte(messages.updatedAt, settledBy),
        gt(messages.sentAt, sentAfter),
        notExists(lookedUp),
      ),
    )
    .orderBy(messages.id)
    .limit(limit);
  return rows.map((r) => ({ id: r.id, providerSid: r.providerSid! }));
}
