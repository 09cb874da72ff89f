import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, max, or, sql } from 'drizzle-orm';
import { transaction, type Db } from '../client';
import { first } from '../query';
import { conversations, families, guardians, messageEvents, messages, schools, staff, students, studentGuardians } from '../schema';
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
  /** A staff member's id: their conversations; null: the office's (a known family, nobody assigned). */
  assignedStaffId?: number | null;
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
        filter.assignedStaffId === undefined
          ? undefined
          : filter.assignedStaffId === null
            ? and(isNull(conversations.assignedStaffId), isNotNull(conversations.familyId))
            : eq(conversations.assignedStaffId, filter.assignedStaffId),
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

export interface ConversationSummary {
  familyName: string | null;
  /** First names of the family's active children. */
  children: string[];
  timezone: string | null;
  last: { body: string; direction: 'inbound' | 'outbound'; createdAt: string } | null;
}

/**
 * What a list of conversations shows besides the rows themselves: the family's name and children,
 * the school's time zone and the last message, in four queries for the whole page.
 */
export async function conversationSummaries(db: Db, rows: Pick<ConversationRow, 'id' | 'familyId' | 'schoolId'>[]): Promise<Map<number, ConversationSummary>> {
  const out = new Map<number, ConversationSummary>();
  if (!rows.length) return out;
  const familyIds = [...new Set(rows.flatMap((r) => (r.familyId === null ? [] : [r.familyId])))];
  const schoolIds = [...new Set(rows.flatMap((r) => (r.schoolId === null ? [] : [r.schoolId])))];
  const names = new Map<number, string>();
  const children = new Map<number, string[]>();
  if (familyIds.length) {
    for (const f of await db.select({ id: families.id, name: families.displayName }).from(families).where(inArray(families.id, familyIds))) names.set(f.id, f.name);
    const kids = await db
      .selectDistinct({ familyId: guardians.familyId, id: students.id, firstName: students.firstName })
      .from(studentGuardians)
      .innerJoin(guardians, eq(guardians.id, studentGuardians.guardianId))
      .innerJoin(students, eq(students.id, studentGuardians.studentId))
      .where(and(inArray(guardians.familyId, familyIds), eq(students.active, true)))
      .orderBy(asc(students.id));
    for (const k of kids) children.set(k.familyId, [...(children.get(k.familyId) ?? []), k.firstName]);
  }
  const zones = new Map<number, string>();
  if (schoolIds.length) {
    for (const z of await db.select({ id: schools.id, tz: schools.timezone }).from(schools).where(inArray(schools.id, schoolIds))) zones.set(z.id, z.tz);
  }
  const lastIds = await db
    .select({ id: max(messages.id) })
    .from(messages)
    .where(inArray(messages.conversationId, rows.map((r) => r.id)))
    .groupBy(messages.conversationId);
  const ids = lastIds.flatMap((r) => (r.id === null ? [] : [Number(r.id)]));
  const lasts = new Map<number, ConversationSummary['last']>();
  if (ids.length) {
    const found = await db
      .select({ conversationId: messages.conversationId, body: messages.body, direction: messages.direction, createdAt: messages.createdAt })
      .from(messages)
      .where(inArray(messages.id, ids));
    for (const m of found) lasts.set(m.conversationId, { body: m.body, direction: m.direction, createdAt: m.createdAt });
  }
  for (const r of rows) {
    out.set(r.id, {
      familyName: r.familyId === null ? null : (names.get(r.familyId) ?? null),
      children: r.familyId === null ? [] : [...new Set(children.get(r.familyId) ?? [])],
      timezone: r.schoolId === null ? null : (zones.get(r.schoolId) ?? null),
      last: lasts.get(r.id) ?? null,
    });
  }
  return out;
}

/** Names of the staff who sent messages, for a thread's "sent by". */
export async function staffNames(db: Db, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!ids.length) return out;
  for (const s of await db.select({ id: staff.id, name: staff.name, email: staff.email }).from(staff).where(inArray(staff.id, [...new Set(ids)]))) {
    out.set(s.id, s.name ?? s.email);
  }
  return out;
}

/** Whether this staff member already texted this conversation since the given time (UTC ISO). */
export async function staffTextedSince(db: Db, conversationId: number, staffId: number, since: string): Promise<boolean> {
  const row = await first(
    db
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.conversationId, conversationId),
          eq(messages.staffId, staffId),
          eq(messages.direction, 'outbound'),
          sql`${messages.createdAt} >= ${since}`,
        ),
      )
      .limit(1),
  );
  return row !== undefined;
}
