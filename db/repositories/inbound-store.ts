/**
 * Storing inbound texts: the write every webhook waits for. Webhooks that arrive together are
 * stored together (group-commit.ts), in a few set-based statements rather than three each: one
 * read of their conversations, then one multi-row INSERT with the UPDATE of the conversations'
 * activity, committed together (on PostgreSQL one statement: each round trip waits for a turn of
 * the web process's event loop, and those were most of a webhook's time). A batch that needs more
 * (a family's first text, which creates its conversation, or an opt-out change) is one
 * transaction around all of it.
 */
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { conversations } from '../schema';
import { groupCommit } from '../group-commit';
import { transaction } from '../transaction';
import { prepared, preparedInsertThen } from '../prepared';
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
  return groupCommit(db, 'storeInbound', storeOne, storeMany, { commitsItself: true })(input);
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
async function storeMany(db: Db, inputs: StoreInbound[]): Promise<StoredInbound[]> {
  const known = await knownConversations(db, inputs);
  if (known.some((c) => !c) || inputs.some((i) => i.optOut)) return transaction(db, (tx) => storeManyWithin(tx, inputs, known));
  const inserted = await insertInbound(db, inputs, known as ConversationRow[]);
  return Promise.all(inputs.map((input) => resultOf(db, input, inserted)));
}

/**
 * storeMany inside one transaction, creating the conversations that are missing and applying
 * opt-out changes. A conversation read before is still there (none is ever deleted).
 */
async function storeManyWithin(tx: Db, inputs: StoreInbound[], known: (ConversationRow | undefined)[]): Promise<StoredInbound[]> {
  const convs: ConversationRow[] = [];
  for (const [i, input] of inputs.entries()) {
    // A family's two first texts in one batch: the second finds the conversation the first created.
    const conv = known[i] ?? convs.find((c) => sameKey(c, input.conversation)) ?? (await conversationFor(tx, input.conversation, input.message.createdAt));
    convs.push(conv);
  }
  const inserted = await insertInbound(tx, inputs, convs);
  const results: StoredInbound[] = [];
  for (const input of inputs) {
    const result = await resultOf(tx, input, inserted);
    results.push(result.created ? { ...result, optOutChanged: await applyOptOut(tx, input) } : result);
  }
  return results;
}

/**
 * An input's result: its row, taken from the inserted ones (each once: a second webhook with the
 * same sid in the batch is a retry), or, for a sid stored before, the first row.
 */
async function resultOf(db: Db, input: StoreInbound, inserted: Map<string, StoredMessage>): Promise<StoredInbound> {
  const sid = input.message.providerSid!;
  const message = inserted.get(sid);
  if (!message) return { message: (await messageBySid(db, 'inbound', sid))!, created: false, optOutChanged: false };
  inserted.delete(sid);
  return { message, created: true, optOutChanged: false };
}

const unreadOf = (input: StoreInbound) => (input.countsAsUnread === false ? 0 : 1);

async function applyOptOut(tx: Db, input: StoreInbound): Promise<boolean> {
  if (input.optOut && 'add' in input.optOut) return addOptOut(tx, input.optOut.add);
  if (input.optOut && 'remove' in input.optOut) return removeOptOut(tx, input.optOut.remove.phoneNumber, input.optOut.remove.sendingNumber);
  return false;
}

const sameKey = (c: ConversationRow, key: ConversationKey) =>
  c.schoolId === key.schoolId && (key.familyId !== null ? c.familyId === key.familyId : c.familyId === null && c.unmatchedNumber === key.unmatchedNumber);

/** Each input's conversation if it exists, in one read (undefined for a family's first text). */
async function knownConversations(tx: Db, inputs: StoreInbound[]): Promise<(ConversationRow | undefined)[]> {
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
  return keys.map((key) => known.find((c) => sameKey(c, key)));
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
 * every batch size), with the UPDATE of their conversations' activity (the latest text, and one
 * more unread for each text that counts): the rows inserted, by sid. A sid already stored inserts
 * nothing, as in insertMessage, and counts for nothing.
 */
async function insertInbound(db: Db, inputs: StoreInbound[], convs: ConversationRow[]): Promise<Map<string, StoredMessage>> {
  for (const { message } of inputs) {
    const extra = Object.keys(message).filter((k) => !(k in INBOUND_COLUMNS));
    if (extra.length) throw new Error(`storeInbound does not store ${extra.join(', ')}`);
  }
  const rows = inputs.map(({ message }, i) => {
    const row: InboundRow = { ...message, conversationId: convs[i].id };
    return Object.fromEntries(Object.entries(INBOUND_COLUMNS).map(([k, c]) => [c, row[k as keyof InboundRow] ?? null]));
  });
  const unreadSids = inputs.filter((input) => unreadOf(input)).map((input) => input.message.providerSid);
  const columns = Object.values(INBOUND_COLUMNS);
  const { jsonRecords, inJsonArray, inJsonRecords } = dialectSql();
  type Inserted = { id: number; conversation_id: number; provider_sid: string; created_at: string };
  const stored = await preparedInsertThen<Inserted>(
    db,
    'messages.insertInbound',
    ['id', 'conversation_id', 'provider_sid', 'created_at'],
    () => sql`INSERT INTO messages (${sql.raw(columns.join(', '))}) ${jsonRecords('messages', columns, P('rows'))}
      ON CONFLICT DO NOTHING RETURNING id, conversation_id, provider_sid, created_at`,
    (inserted) => sql`UPDATE conversations SET last_message_at = a.last_message_at, unread_count = conversations.unread_count + a.unread
      FROM (SELECT i.conversation_id AS id, max(i.created_at) AS last_message_at,
        sum(CASE WHEN ${inJsonArray(sql`i.provider_sid`, P('unreadSids'), 'text')} THEN 1 ELSE 0 END) AS unread
        FROM ${inserted} AS i GROUP BY i.conversation_id) AS a
      WHERE conversations.id = a.id AND ${inJsonRecords(conversations.id, P('rows'), 'conversation_id', 'integer')}`,
  )({ rows: JSON.stringify(rows), unreadSids: JSON.stringify(unreadSids) });
  return new Map(stored.map((m) => [m.provider_sid, { id: m.id, conversationId: m.conversation_id, providerSid: m.provider_sid, createdAt: m.created_at }]));
}
