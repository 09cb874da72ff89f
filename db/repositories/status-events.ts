/**
 * Status callbacks that arrive together (two or three for every text sent) are recorded in a few
 * set-based statements: their sids locked in one, their messages read in one, the statuses that
 * move forward written in one UPDATE and every callback kept in one multi-row INSERT.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { messages } from '../schema';
import { prepared, preparedRows } from '../prepared';
import { dialectSql } from '../dialects/differences';
import type { MessageRow, StatusInput, StatusPatch } from './messages';

const P = sql.placeholder;

/** The same as recordStatusEvent's write for each input, in order, with the statements shared. */
export async function recordStatusEvents(tx: Db, inputs: StatusInput[]): Promise<{ message: MessageRow | null; applied: boolean }[]> {
  const sids = [...new Set(inputs.map((i) => i.event.providerSid))];
  await lockSids(tx, sids);
  const rows = await prepared(tx, 'messages.outboundBySids', () =>
    tx
      .select()
      .from(messages)
      .where(and(eq(messages.direction, 'outbound'), dialectSql().inJsonArray(messages.providerSid, P('sids'), 'text'))),
  ).all({ sids: JSON.stringify(sids) });
  // Each callback is decided on the message as the ones before it in the batch left it.
  const current = new Map(rows.map((m) => [m.providerSid!, m]));
  const patches = new Map<number, StatusPatch>();
  const events: Record<string, unknown>[] = [];
  const results = inputs.map(({ event, decide }) => {
    const message = current.get(event.providerSid) ?? null;
    const patch = message ? decide(message, event) : null;
    const after = message && patch ? { ...message, ...patch } : message;
    if (after && patch) (current.set(event.providerSid, after), patches.set(after.id, patch));
    events.push({
      message_id: message?.id ?? null, provider_sid: event.providerSid, status: event.status, error_code: event.errorCode,
      applied: Boolean(patch), source: event.source ?? 'callback', raw: event.raw, at: event.at,
    });
    return { message: after, applied: Boolean(patch) };
  });
  if (patches.size) {
    const columns = ['id', 'status', 'error_code', 'updated_at'];
    await preparedRows(tx, 'messages.setStatuses', () =>
      sql`UPDATE messages SET status = v.status, error_code = v.error_code, updated_at = v.updated_at
        FROM (${dialectSql().jsonRecords('messages', columns, P('rows'))}) AS v
        WHERE messages.id = v.id AND ${dialectSql().inJsonRecords(messages.id, P('rows'), 'id', 'integer')}`,
    )({ rows: JSON.stringify([...patches].map(([id, p]) => ({ id, status: p.status, error_code: p.errorCode, updated_at: p.updatedAt }))) });
  }
  const eventColumns = ['message_id', 'provider_sid', 'status', 'error_code', 'applied', 'source', 'raw', 'at'];
  await preparedRows(tx, 'messageEvents.insertMany', () =>
    sql`INSERT INTO message_events (${sql.raw(eventColumns.join(', '))}) ${dialectSql().jsonRecords('message_events', eventColumns, P('rows'))}`,
  )({ rows: JSON.stringify(events) });
  return results;
}

/** lockSid (messages.ts) for several sids in one statement. */
export async function lockSids(tx: Db, sids: string[]): Promise<void> {
  const locks = dialectSql().keyLocks(P('keys'));
  if (locks) await preparedRows(tx, 'messages.lockSids', () => locks)({ keys: JSON.stringify(sids.map((s) => `provider-sid:${s}`)) });
}
