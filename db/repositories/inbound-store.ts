/**
 * Storing inbound texts: the write every webhook waits for. Webhooks that arrive together share
 * one transaction (group-commit.ts), and a batch of them is stored in a few set-based statements
 * (one read of their conversations, one multi-row INSERT, one UPDATE of the conversations'
 * activity) rather than three statements each: on PostgreSQL each statement is a round trip, and
 * those were most of a webhook's cost.
 */
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { conversations } from '../schema';
import { groupCommit } from '../group-commit';
import { prepared, preparedRows } from '../prepared';
import { dialectSql } from '../dialects/differences';
import { addOptOut, removeOptOut, type OptOutChange } from './opt-outs';
import { conversationFor, insertMessage, messageBySid, type ConversationKey, type ConversationRow, type MessageRow, type NewMessage } from './messages';

const P = sql.placeholder;

export interface StoreInbound {
  message: Omit<InboundRow, 'conversationId'>;
  conversation: ConversationKey;
  /**
   * False for a keyword FamilyLine answers by itself (STOP, HELP, a language name...): the text is
   * kept in the thread, but nobody needs to read it, so it does not count as unread.
   */
  countsAsUnread?: boolean;
  optOut: { add: OptOutChange } | { remove: { phoneNumber: string; sendingNumber: string } } | null;
}

export interface StoredInbound {
  message: StoredMessage;
  created: boolean;
  optOutChanged: boolean;
}

/**
 * Stores an inbound text, its conversation's activity and any opt-out change in one transaction.
 * A MessageSid already stored as inbound returns the first row and changes nothing; a text we
 * sent with the same sid is another message and does not hide this one.
 */
export async function storeInbound(db: Db, input: StoreInbound): Promise<StoredInbound> {
  return groupCommit(db, 'storeInbound', storeOne, storeMany)(input);
}

async function storeOne(tx: Db, input: StoreInbound): Promise<StoredInbound> {
  const conv = await conversationFor(tx, input.conversation, input.message.createdAt);
  // The sid's unique index decides: a retried webhook inserts nothing and gets the first row.
  const message = await insertMessage(tx, { ...input.message, conversationId: conv.id });
  if (!message) return { message: (await messageBySid(tx, 'inbound', input.message.providerSid!))!, created: false, optOutChanged: false };
  await prepared(tx, 'conversations.touchInbound', () =>
    tx
      .update(conversations)
      .set({ lastMessageAt: sql`${P('at')}`, unreadCount: sql`${conversations.unreadCount} + ${P('unread')}` })
      .where(eq(conversations.id, P('id'))),
  ).affected({ at: message.createdAt, id: conv.id, unread: unreadOf(input) });
  return { message, created: true, optOutChanged: await applyOptOut(tx, input) };
}

/** The same as storeOne for each input, in order, with the statements shared. */
async function storeMany(tx: Db, inputs: StoreInbound[]): Promise<StoredInbound[]> {
  const convs = await conversationsFor(tx, inputs);
  const inserted = await insertInbound(tx, inputs.map((input, i) => ({ ...input.message, conversationId: convs[i].id })));
  const bySid = new Map(inserted.map((m) => [m.providerSid!, m]));
  const activity = new Map<number, { at: string; unread: number }>();
  const results: StoredInbound[] = [];
  for (const input of inputs) {
    const sid = input.message.providerSid!;
    const message = bySid.get(sid);
    if (!message) {
      results.push({ message: (await messageBySid(tx, 'inbound', sid))!, created: false, optOutChanged: false });
      continue;
    }
    // A second webhook with this sid in the same batch is a retry: it finds the row stored above.
    bySid.delete(sid);
    const seen = activity.get(message.conversationId);
    activity.set(message.conversationId, { at: message.createdAt, unread: (seen?.unread ?? 0) + unreadOf(input) });
    results.push({ message, created: true, optOutChanged: await applyOptOut(tx, input) });
  }
  await touchConversations(tx, activity);
  return results;
}

const unreadOf = (input: StoreInbound) => (input.countsAsUnread === false ? 0 : 1);

async function applyOptOut(tx: Db, input: StoreInbound): Promise<boolean> {
  if (input.optOut && 'add' in input.optOut) return addOptOut(tx, input.optOut.add);
  if (input.optOut && 'remove' in input.optOut) return removeOptOut(tx, input.optOut.remove.phoneNumber, input.optOut.remove.sendingNumber);
  return false;
}

const sameKey = (c: ConversationRow, key: ConversationKey) =>
  c.schoolId === key.schoolId && (key.familyId !== null ? c.familyId === key.familyId : c.familyId === null && c.unmatchedNumber === key.unmatchedNumber);

/**
 * Each input's conversation: those that exist in one read, a missing one (a family's first text)
 * created as storeOne creates it.
 */
async function conversationsFor(tx: Db, inputs: StoreInbound[]): Promise<ConversationRow[]> {
  const keys = inputs.map((i) => i.conversation);
  const list = (values: (number | string | null)[]) => JSON.stringify([...new Set(values.filter((v) => v !== null))]);
  const { inJsonArray } = dialectSql();
  // Each part of the OR on one of the conversation keys' indexes; a row of another school is left out below.
  const known = await prepared(tx, 'conversations.ofKeys', () =>
    tx
      .select()
      .from(conversations)
      .where(
        or(
          and(inJsonArray(conversations.schoolId, P('schoolIds'), 'integer'), inJsonArray(conversations.familyId, P('familyIds'), 'integer')),
          and(inJsonArray(conversations.schoolId, P('schoolIds'), 'integer'), inJsonArray(conversations.unmatchedNumber, P('numbers'), 'text')),
          and(isNull(conversations.schoolId), inJsonArray(conversations.unmatchedNumber, P('numbers'), 'text')),
        ),
      ),
  ).all({
    schoolIds: list(keys.map((k) => k.schoolId)),
    familyIds: list(keys.map((k) => k.familyId)),
    numbers: list(keys.map((k) => (k.familyId === null ? k.unmatchedNumber : null))),
  });
  const out: ConversationRow[] = [];
  for (const input of inputs) {
    let conv = known.find((c) => sameKey(c, input.conversation));
    if (!conv) known.push((conv = await conversationFor(tx, input.conversation, input.message.createdAt)));
    out.push(conv);
  }
  return out;
}

/** What storeMany inserts of each text: the columns receiveInbound sets (the others keep their defaults). */
const INBOUND_COLUMNS = {
  conversationId: 'conversation_id', direction: 'direction', kind: 'kind', body: 'body', encoding: 'encoding', segments: 'segments',
  fromNumber: 'from_number', toNumber: 'to_number', status: 'status', providerSid: 'provider_sid', createdAt: 'created_at', updatedAt: 'updated_at',
} as const;
type InboundRow = { [K in keyof typeof INBOUND_COLUMNS]: NewMessage[K] };
export type StoredMessage = Pick<MessageRow, 'id' | 'conversationId' | 'providerSid' | 'createdAt'>;

/**
 * One multi-row INSERT for a batch of texts, bound as one JSON value (one prepared statement for
 * every batch size); a sid already stored inserts nothing, as in insertMessage.
 */
async function insertInbound(tx: Db, rows: InboundRow[]): Promise<StoredMessage[]> {
  for (const r of rows) {
    const extra = Object.keys(r).filter((k) => !(k in INBOUND_COLUMNS));
    if (extra.length) throw new Error(`storeInbound does not store ${extra.join(', ')}`);
  }
  const columns = Object.values(INBOUND_COLUMNS);
  const stored = await preparedRows<{ id: number; conversation_id: number; provider_sid: string; created_at: string }>(tx, 'messages.insertInbound', () =>
    sql`INSERT INTO messages (${sql.raw(columns.join(', '))}) ${dialectSql().jsonRecords('messages', columns, P('rows'))}
      ON CONFLICT DO NOTHING RETURNING id, conversation_id, provider_sid, created_at`,
  )({ rows: JSON.stringify(rows.map((r) => Object.fromEntries(Object.entries(INBOUND_COLUMNS).map(([k, c]) => [c, r[k as keyof InboundRow] ?? null])))) });
  return stored.map((m) => ({ id: m.id, conversationId: m.conversation_id, providerSid: m.provider_sid, createdAt: m.created_at }));
}

/** Each conversation's latest text and its new unread texts, in one UPDATE. */
async function touchConversations(tx: Db, activity: Map<number, { at: string; unread: number }>): Promise<void> {
  if (!activity.size) return;
  const rows = [...activity].sort((a, b) => a[0] - b[0]).map(([id, a]) => ({ id, last_message_at: a.at, unread_count: a.unread }));
  await preparedRows(tx, 'conversations.touchInboundMany', () =>
    sql`UPDATE conversations SET last_message_at = v.last_message_at, unread_count = conversations.unread_count + v.unread_count
      FROM (${dialectSql().jsonRecords('conversations', ['id', 'last_message_at', 'unread_count'], P('rows'))}) AS v
      WHERE conversations.id = v.id AND ${dialectSql().inJsonRecords(conversations.id, P('rows'), 'id', 'integer')}`,
  )({ rows: JSON.stringify(rows) });
}
