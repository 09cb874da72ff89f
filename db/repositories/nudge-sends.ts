import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { transaction } from '../transaction';
import { dialectSql } from '../dialects/differences';
import { rawRows, rawRun } from '../dialects/raw';
import type { MessageStatus } from '../schema';
import { valuesOf } from './value-list';

/**
 * The writes of one page of a weekend-nudge tick (src/nudges/tick.ts), set-based: a handful of
 * statements for hundreds of families instead of a dozen per family. Each statement carries its
 * rows as one JSON value (see jsonRecords in dialects/differences.ts).
 */

export interface NudgeOutbound {
  toNumber: string;
  body: string;
  language: string;
  encoding: string;
  segments: number;
  fromNumber: string;
  /** As the send policy decided when the text was planned: queued, held (with scheduledFor) or blocked. */
  status: Extract<MessageStatus, 'queued' | 'held' | 'blocked'>;
  scheduledFor: string | null;
}

export interface NudgePageWrite {
  schoolId: number;
  week: string;
  at: string;
  skips: { familyId: number; reason: string }[];
  sends: { familyId: number; texts: NudgeOutbound[]; tips: { studentId: number; tipId: string }[] }[];
}

export interface StoredNudgeMessage {
  id: number;
  conversationId: number;
  toNumber: string;
  status: NudgeOutbound['status'];
  scheduledFor: string | null;
}

export interface StoredNudgePage {
  /** The skips and sends this call claimed; a family another tick had claimed is in neither. */
  skipped: { familyId: number; reason: string }[];
  sent: { familyId: number; messages: StoredNudgeMessage[] }[];
}

/** Far under either dialect's statement size; a page of families fits in one. */
const BULK = 1000;

function records(table: string, columns: string[], rows: Record<string, unknown>[]): SQL {
  return sql`SELECT * FROM (${dialectSql().jsonRecords(table, columns, JSON.stringify(rows))}) AS r WHERE true`;
}

async function inParts<R, T>(rows: R[], fn: (part: R[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += BULK) out.push(...(await fn(rows.slice(i, i + BULK))));
  return out;
}

const cols = (names: string[]) => sql.raw(names.map((n) => `"${n}"`).join(', '));

/**
 * Claims the page's families for the week and stores what each claimed one is sent, in one
 * transaction: the plans (unique per family and week: a family another tick claimed first is left
 * to it), each family's conversation, its texts, the tips they carry and the plans marked sent. A
 * crash before the commit leaves nothing, so the next tick does the page again; after it, the
 * texts wait in the database and housekeeping gives any whose send job never came one.
 */
export async function storeNudgePage(db: Db, page: NudgePageWrite): Promise<StoredNudgePage> {
  const { schoolId, week, at } = page;
  return transaction(db, async (tx) => {
    const planColumns = ['family_id', 'school_id', 'week', 'status', 'reason', 'created_at', 'updated_at'];
    const plans = [
      ...page.skips.map((s) => ({ family_id: s.familyId, school_id: schoolId, week, status: 'skipped', reason: s.reason, created_at: at, updated_at: at })),
      ...page.sends.map((s) => ({ family_id: s.familyId, school_id: schoolId, week, status: 'planned', reason: null, created_at: at, updated_at: at })),
    ];
    const claimed = new Set(
      (
        await inParts(plans, (part) =>
          rawRows<{ family_id: number }>(
            tx,
            sql`INSERT INTO nudge_plans (${cols(planColumns)}) ${records('nudge_plans', planColumns, part)} ON CONFLICT DO NOTHING RETURNING family_id`,
          ),
        )
      ).map((r) => Number(r.family_id)),
    );
    const skipped = page.skips.filter((s) => claimed.has(s.familyId));
    const sends = page.sends.filter((s) => claimed.has(s.familyId));
    if (!sends.length) return { skipped, sent: [] };

    const conversationOf = await conversationsFor(tx, schoolId, sends.map((s) => s.familyId), at);
    const messageColumns = [
      'conversation_id', 'direction', 'kind', 'body', 'language', 'encoding', 'segments', 'from_number', 'to_number', 'status',
      'urgent', 'confirms_opt_out', 'attempts', 'send_round', 'scheduled_for', 'created_at', 'updated_at',
    ];
    const messageRows = sends.flatMap((s) =>
      s.texts.map((t) => ({
        conversation_id: conversationOf.get(s.familyId)!, direction: 'outbound', kind: 'nudge', body: t.body, language: t.language, encoding: t.encoding,
        segments: t.segments, from_number: t.fromNumber, to_number: t.toNumber, status: t.status, urgent: false, confirms_opt_out: false,
        attempts: 0, send_round: 0, scheduled_for: t.scheduledFor, created_at: at, updated_at: at,
      })),
    );
    const inserted = await inParts(messageRows, (part) =>
      rawRows<{ id: number; conversation_id: number; to_number: string; status: NudgeOutbound['status']; scheduled_for: string | null }>(
        tx,
        sql`INSERT INTO messages (${cols(messageColumns)}) ${records('messages', messageColumns, part)} RETURNING id, conversation_id, to_number, status, scheduled_for`,
      ),
    );
    // A family's numbers are distinct, and a conversation is one family's: the pair names one text.
    const byKey = new Map(inserted.map((m) => [`${m.conversation_id} ${m.to_number}`, m]));

    const tipColumns = ['student_id', 'family_id', 'week', 'tip_id', 'created_at'];
    const tips = sends.flatMap((s) => s.tips.map((t) => ({ student_id: t.studentId, family_id: s.familyId, week, tip_id: t.tipId, created_at: at })));
    await inParts(tips, async (part) => {
      await rawRun(tx, sql`INSERT INTO nudge_tips (${cols(tipColumns)}) ${records('nudge_tips', tipColumns, part)} ON CONFLICT DO NOTHING`);
      return [];
    });

    const sent = sends.map((s) => {
      const conversationId = conversationOf.get(s.familyId)!;
      const messages = s.texts.map((t) => {
        const m = byKey.get(`${conversationId} ${t.toNumber}`)!;
        return { id: Number(m.id), conversationId, toNumber: m.to_number, status: m.status, scheduledFor: m.scheduled_for };
      });
      return { familyId: s.familyId, messages };
    });
    const finishColumns = ['family_id', 'message_id', 'tip_ids'];
    const finished = sent.map((s, i) => ({ family_id: s.familyId, message_id: s.messages[0]?.id ?? null, tip_ids: JSON.stringify(sends[i].tips) }));
    await inParts(finished, async (part) => {
      await rawRun(
        tx,
        sql`UPDATE nudge_plans SET status = 'sent', message_id = r.message_id, tip_ids = r.tip_ids, updated_at = ${at}
          FROM (${dialectSql().jsonRecords('nudge_plans', finishColumns, JSON.stringify(part))}) AS r
          WHERE nudge_plans.family_id = r.family_id AND nudge_plans.week = ${week}`,
      );
      return [];
    });
    // Last, so the conversations' rows (an inbound text touches them too) are locked for the shortest time.
    await rawRun(tx, sql`UPDATE conversations SET last_message_at = ${at} WHERE id IN ${valuesOf('conversations', 'id', [...conversationOf.values()])}`);
    return { skipped, sent };
  });
}

/**
 * Each family's conversation with the school, created where missing. Inside the page's
 * transaction; a conversation another writer created meanwhile is read back, not duplicated.
 */
async function conversationsFor(tx: Db, schoolId: number, familyIds: number[], at: string): Promise<Map<number, number>> {
  const read = async (ids: number[]) =>
    inParts(ids, (part) =>
      rawRows<{ id: number; family_id: number }>(
        tx,
        sql`SELECT id, family_id FROM conversations WHERE school_id = ${schoolId} AND family_id IN ${valuesOf('families', 'id', part)}`,
      ),
    );
  const out = new Map((await read(familyIds)).map((c) => [Number(c.family_id), Number(c.id)]));
  const missing = familyIds.filter((id) => !out.has(id));
  if (!missing.length) return out;
  const columns = ['school_id', 'family_id', 'unread_count', 'created_at'];
  const rows = missing.map((id) => ({ school_id: schoolId, family_id: id, unread_count: 0, created_at: at }));
  await inParts(rows, async (part) => {
    await rawRun(tx, sql`INSERT INTO conversations (${cols(columns)}) ${records('conversations', columns, part)} ON CONFLICT DO NOTHING`);
    return [];
  });
  for (const c of await read(missing)) out.set(Number(c.family_id), Number(c.id));
  return out;
}
