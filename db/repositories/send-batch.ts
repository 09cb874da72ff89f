/**
 * The writes of sends that happen side by side, for a batch at once: staff replies' rows in one
 * INSERT (and their conversations' activity in one UPDATE), the worker's claims in one UPDATE and
 * the carrier's sids stored in one, each followed by one read of the rows, instead of a
 * statement or three per send.
 */
import { and, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { conversations, messageEvents, messages } from '../schema';
import { prepared, preparedRows } from '../prepared';
import { dialectSql } from '../dialects/differences';
import { applyUnattached, MESSAGE_COLUMNS, MESSAGE_DEFAULTS, type AttachInput, type ClaimInput, type MessageEventRow, type MessageRow, type OutboundInput } from './messages';
import { lockSids } from './status-events';

const P = sql.placeholder;

function messagesByIds(tx: Db, ids: number[]): Promise<MessageRow[]> {
  return prepared(tx, 'messages.byIds', () => tx.select().from(messages).where(dialectSql().inJsonArray(messages.id, P('ids'), 'integer'))).all({
    ids: JSON.stringify(ids),
  });
}

/** claimForSend for each input: a message asked for twice in the batch is claimed by the first. */
export async function claimMany(tx: Db, inputs: ClaimInput[]): Promise<(MessageRow | null)[]> {
  const firsts = [...new Map(inputs.map((c) => [c.id, c] as const).reverse()).values()];
  const columns = ['id', 'claimed_until', 'updated_at'];
  const claimed = await preparedRows<{ id: number }>(tx, 'messages.claimMany', () =>
    sql`UPDATE messages SET status = 'sending', attempts = messages.attempts + 1, claimed_until = v.claimed_until, updated_at = v.updated_at
      FROM (${dialectSql().jsonRecords('messages', columns, P('rows'))}) AS v
      WHERE messages.id = v.id AND ${dialectSql().inJsonRecords(messages.id, P('rows'), 'id', 'integer')}
        AND messages.status IN ('queued', 'held') AND messages.provider_sid IS NULL RETURNING messages.id`,
  )({ rows: JSON.stringify(firsts.map((c) => ({ id: c.id, claimed_until: c.claimedUntil, updated_at: c.at }))) });
  const rows = new Map((claimed.length ? await messagesByIds(tx, claimed.map((r) => r.id)) : []).map((m) => [m.id, m]));
  const seen = new Set<number>();
  return inputs.map((c) => (seen.has(c.id) ? null : (seen.add(c.id), rows.get(c.id) ?? null)));
}

/** attachProviderSid for each input; one whose message is missing or already sent fails the batch (each is then retried alone). */
export async function attachMany(tx: Db, inputs: AttachInput[]): Promise<{ message: MessageRow; early: MessageEventRow[] }[]> {
  const sids = inputs.map((i) => i.accepted.providerSid);
  await lockSids(tx, sids);
  const columns = ['id', 'provider_sid', 'sent_at', 'segments', 'updated_at'];
  const accepted = await preparedRows<{ id: number }>(tx, 'messages.acceptMany', () =>
    sql`UPDATE messages SET provider_sid = v.provider_sid, status = 'sending', scheduled_for = NULL, claimed_until = NULL, failure_reason = NULL,
      sent_at = v.sent_at, segments = v.segments, updated_at = v.updated_at
      FROM (${dialectSql().jsonRecords('messages', columns, P('rows'))}) AS v
      WHERE messages.id = v.id AND ${dialectSql().inJsonRecords(messages.id, P('rows'), 'id', 'integer')} AND messages.provider_sid IS NULL RETURNING messages.id`,
  )({
    rows: JSON.stringify(inputs.map(({ messageId, accepted: a }) => ({ id: messageId, provider_sid: a.providerSid, sent_at: a.sentAt, segments: a.segments, updated_at: a.updatedAt }))),
  });
  if (accepted.length !== new Set(inputs.map((i) => i.messageId)).size || accepted.length !== inputs.length) {
    throw new Error('a message of the batch is missing or already has a provider sid');
  }
  const rows = new Map((await messagesByIds(tx, inputs.map((i) => i.messageId))).map((m) => [m.id, m]));
  const unattached = await prepared(tx, 'messageEvents.unattachedOfSids', () =>
    tx
      .select()
      .from(messageEvents)
      .where(and(dialectSql().inJsonArray(messageEvents.providerSid, P('sids'), 'text'), isNull(messageEvents.messageId)))
      .orderBy(messageEvents.id),
  ).all({ sids: JSON.stringify(sids) });
  const out: { message: MessageRow; early: MessageEventRow[] }[] = [];
  for (const { messageId, accepted: a, decide } of inputs) {
    const early = unattached.filter((ev) => ev.providerSid === a.providerSid);
    out.push(early.length ? await applyUnattached(tx, rows.get(messageId)!, early, decide) : { message: rows.get(messageId)!, early: [] });
  }
  return out;
}

/**
 * insertOutbound for each input. Each stored row is matched back to the input row it holds the
 * same values as (rows alike in every value are alike for their callers too); a conflict (a sid
 * already stored) inserts fewer rows and fails the batch, so each input is then written alone.
 */
export async function insertOutboundMany(tx: Db, inputs: OutboundInput[]): Promise<MessageRow[][]> {
  const wanted = inputs.flatMap((input) => input.rows.map((r) => ({ ...MESSAGE_DEFAULTS, ...r, conversationId: input.conversationId })));
  const names = Object.fromEntries(MESSAGE_COLUMNS.map((c) => [c, messages[c].name]));
  const columns = MESSAGE_COLUMNS.map((c) => names[c]);
  const inserted = wanted.length
    ? await preparedRows<{ id: number }>(tx, 'messages.insertMany', () =>
        sql`INSERT INTO messages (${sql.raw(columns.join(', '))}) ${dialectSql().jsonRecords('messages', columns, P('rows'))}
          ON CONFLICT DO NOTHING RETURNING messages.id`,
      )({ rows: JSON.stringify(wanted.map((w) => Object.fromEntries(MESSAGE_COLUMNS.map((c) => [names[c], w[c as keyof typeof w] ?? null])))) })
    : [];
  if (inserted.length !== wanted.length) throw new Error('a row of the batch was not inserted');
  const stored = inserted.length ? await messagesByIds(tx, inserted.map((r) => r.id)) : [];
  const same = (m: MessageRow, w: (typeof wanted)[number]) => MESSAGE_COLUMNS.every((c) => m[c] === (w[c as keyof typeof w] ?? null));
  const out = inputs.map((input) =>
    input.rows.map((r) => {
      const w = { ...MESSAGE_DEFAULTS, ...r, conversationId: input.conversationId };
      const i = stored.findIndex((m) => same(m, w));
      if (i === -1) throw new Error('an inserted row was not found again');
      return stored.splice(i, 1)[0];
    }),
  );
  // Each conversation's latest activity, as the inputs one after another leave it.
  const activity = new Map<number, string>();
  out.forEach((created, i) => created.length && activity.set(inputs[i].conversationId, created[0].createdAt));
  if (activity.size) {
    await preparedRows(tx, 'conversations.touchOutboundMany', () =>
      sql`UPDATE conversations SET last_message_at = v.last_message_at
        FROM (${dialectSql().jsonRecords('conversations', ['id', 'last_message_at'], P('rows'))}) AS v
        WHERE conversations.id = v.id AND ${dialectSql().inJsonRecords(conversations.id, P('rows'), 'id', 'integer')}`,
    )({ rows: JSON.stringify([...activity].sort((a, b) => a[0] - b[0]).map(([id, at]) => ({ id, last_message_at: at }))) });
  }
  return out;
}
