import { and, desc, eq, inArray, isNull, not, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { prepared } from '../prepared';
import { batchedByKey, batchedRead } from '../batched-read';
import { dialectSql } from '../dialects/differences';
import type { ConversationRow, MessageRow } from './messages';
import { conversations, families, guardians, messages, phones, schools, students, studentGuardians } from '../schema';

export type SchoolRow = typeof schools.$inferSelect;
export type FamilyRow = typeof families.$inferSelect;

const P = sql.placeholder;

export async function getSchool(db: Db, id: number): Promise<SchoolRow | undefined> {
  return prepared(db, 'schools.byId', () => db.select().from(schools).where(eq(schools.id, P('id')))).first({ id });
}

/**
 * Schools an inbound text to `to` may be for: those sending from it, else those on the shared
 * default sender. Webhooks arriving together share one query (a webhook's every round trip counts).
 */
export async function schoolsForNumber(db: Db, to: string, isDefaultSender: boolean): Promise<SchoolRow[]> {
  return batchedRead(db, 'schools.forNumber', async (db, keys: { to: string; isDefaultSender: boolean }[]) => {
    const rows = await prepared(db, 'schools.forNumbers', () =>
      db
        .select()
        .from(schools)
        .where(or(dialectSql().inJsonArray(schools.fromNumber, P('numbers'), 'text'), isNull(schools.fromNumber)))
        .orderBy(schools.id),
    ).all({ numbers: JSON.stringify([...new Set(keys.map((k) => k.to))]) });
    return keys.map((k) => {
      const own = rows.filter((s) => s.fromNumber === k.to);
      return own.length ? own : k.isDefaultSender ? rows.filter((s) => s.fromNumber === null) : [];
    });
  })({ to, isDefaultSender });
}

/**
 * Active families with a guardian on this number, in any school, the one whose conversation last
 * sent this number a text first, then the most recently active. Webhooks arriving together share
 * one query.
 */
export async function familiesByPhone(db: Db, number: string): Promise<FamilyRow[]> {
  return batchedRead(db, 'families.byPhone', async (db, numbers: string[]) => {
    // Not DISTINCT (PostgreSQL would want the ORDER BY in the select list): a family a number reaches
    // through two guardians comes twice and is kept once below.
    const rows = await prepared(db, 'families.byPhones', () => {
      const lastTexted = sql`(select max(${messages.id}) from ${messages} where ${messages.conversationId} = ${conversations.id}
        and ${messages.direction} = 'outbound' and ${messages.toNumber} = ${phones.number})`;
      return db
        .select({ number: phones.number, family: families })
        .from(phones)
        .innerJoin(guardians, eq(guardians.id, phones.guardianId))
        .innerJoin(families, eq(families.id, guardians.familyId))
        .leftJoin(conversations, and(eq(conversations.familyId, families.id), eq(conversations.schoolId, families.schoolId)))
        .where(and(dialectSql().inJsonArray(phones.number, P('numbers'), 'text'), eq(families.active, true)))
        .orderBy(desc(sql`coalesce(${lastTexted}, 0)`), desc(sql`coalesce(${conversations.lastMessageAt}, '')`), families.id);
    }).all({ numbers: JSON.stringify([...new Set(numbers)]) });
    return numbers.map((n) => {
      const seen = new Set<number>();
      return rows.filter((r) => r.number === n && !seen.has(r.family.id) && seen.add(r.family.id)).map((r) => r.family);
    });
  })(number);
}

/**
 * Distinct numbers of a family's active guardians that can receive texts. A guardian whose every
 * link to an active student is a no-contact order (may_contact = false) is left out: they never
 * get a text about that child, and a family text is about the family's children. A guardian with
 * no active student at all (a family added without students) is still reachable. A number shared
 * with a guardian who may be contacted stays in: it is that guardian's number too.
 */
export async function textableNumbers(db: Db, familyId: number): Promise<string[]> {
  const activeLink = (mayContactOnly: boolean) => sql`exists (
    select 1 from ${studentGuardians} inner join ${students} on ${students.id} = ${studentGuardians.studentId}
    where ${studentGuardians.guardianId} = ${guardians.id} and ${students.active} = true
    ${mayContactOnly ? sql`and ${studentGuardians.mayContact} = true` : sql``})`;
  const rows = await batchedByKey(
    db,
    'phones.textableOfFamilies',
    (db, familyIds) =>
      prepared(db, 'phones.textableOfFamilies', () =>
        db
          .selectDistinct({ familyId: guardians.familyId, number: phones.number })
          .from(phones)
          .innerJoin(guardians, eq(guardians.id, phones.guardianId))
          .where(
            and(
              dialectSql().inJsonArray(guardians.familyId, P('familyIds'), 'integer'),
              eq(guardians.active, true),
              eq(phones.canReceive, true),
              or(activeLink(true), not(activeLink(false))),
            ),
          )
          .orderBy(phones.number),
      ).all({ familyIds }),
    (r) => r.familyId,
  )(familyId);
  return rows.map((r) => r.number);
}

/**
 * A conversation with its school and family, in one round trip (every send reads them, twice).
 * Sends side by side (a burst of teachers' texts through the API) share one query.
 */
export async function conversationWithAudience(
  db: Db,
  id: number,
): Promise<{ conversation: ConversationRow; school: SchoolRow | null; family: FamilyRow | null } | undefined> {
  const [row] = await batchedByKey(
    db,
    'conversations.withAudience',
    (db, ids) =>
      prepared(db, 'conversations.withAudienceMany', () =>
        db
          .select({ conversation: conversations, school: schools, family: families })
          .from(conversations)
          .leftJoin(schools, eq(schools.id, conversations.schoolId))
          .leftJoin(families, eq(families.id, conversations.familyId))
          .where(dialectSql().inJsonArray(conversations.id, P('ids'), 'integer')),
      ).all({ ids }),
    (r) => r.conversation.id,
  )(id);
  return row;
}

/**
 * A message with its conversation's school and family, in one round trip (what a send reads
 * first). Sends side by side (a broadcast's lanes, a burst of replies) share one query.
 */
export async function messageWithAudience(
  db: Db,
  id: number,
): Promise<{ message: MessageRow; school: SchoolRow | null; family: FamilyRow | null } | undefined> {
  const [row] = await batchedByKey(
    db,
    'messages.withAudience',
    (db, ids) =>
      prepared(db, 'messages.withAudienceMany', () =>
        db
          .select({ message: messages, school: schools, family: families })
          .from(messages)
          .innerJoin(conversations, eq(conversations.id, messages.conversationId))
          .leftJoin(schools, eq(schools.id, conversations.schoolId))
          .leftJoin(families, eq(families.id, conversations.familyId))
          .where(dialectSql().inJsonArray(messages.id, P('ids'), 'integer')),
      ).all({ ids }),
    (r) => r.message.id,
  )(id);
  return row;
}

export async function getFamily(db: Db, id: number): Promise<FamilyRow | undefined> {
  return prepared(db, 'families.byId', () => db.select().from(families).where(eq(families.id, P('id')))).first({ id });
}

export type FamilyChoice = Partial<Pick<FamilyRow, 'language' | 'languageSource' | 'languageSuggestion' | 'pausedUntil'>>;

export async function updateFamily(db: Db, id: number, patch: FamilyChoice, at: string) {
  await db.update(families).set({ ...patch, updatedAt: at }).where(eq(families.id, id));
}

/**
 * What a parent chooses by text (a language, PAUSE) is theirs, not one school's: one UPDATE sets it
 * on every active family with a guardian on this number, in every school, and on `familyId` (the
 * family the text was routed to) whatever guardian it was reached through. Returns the ids changed.
 */
export async function updateFamiliesOfNumber(db: Db, number: string, familyId: number, patch: FamilyChoice, at: string): Promise<number[]> {
  const ofNumber = db
    .select({ id: guardians.familyId })
    .from(phones)
    .innerJoin(guardians, eq(guardians.id, phones.guardianId))
    .where(and(eq(phones.number, number), eq(guardians.active, true)));
  const rows = await db
    .update(families)
    .set({ ...patch, updatedAt: at })
    .where(or(eq(families.id, familyId), and(eq(families.active, true), inArray(families.id, ofNumber))))
    .returning({ id: families.id });
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** A carrier said this number cannot take texts (landline, invalid): stop choosing it. */
export async function markNumberUnreachable(db: Db, number: string): Promise<void> {
  await db.update(phones).set({ canReceive: false }).where(eq(phones.number, number));
}
