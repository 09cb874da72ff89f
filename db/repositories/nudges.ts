import { and, asc, count, eq, gt, gte, inArray, ne, notExists, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  classes,
  conversations,
  classTeachers,
  enrollments,
  families,
  guardians,
  messages,
  nudgePlans,
  nudgeTips,
  optOuts,
  tipFeedback,
  phones,
  schools,
  staff,
  students,
  studentGuardians,
} from '../schema';
import { valuesOf } from './value-list';

/** What the weekend nudge engine reads and writes (src/nudges). */

export type NudgePlanRow = typeof nudgePlans.$inferSelect;
export type NudgeFamily = Pick<typeof families.$inferSelect, 'id' | 'schoolId' | 'displayName' | 'language' | 'pausedUntil'>;

const familyColumns = {
  id: families.id,
  schoolId: families.schoolId,
  displayName: families.displayName,
  language: families.language,
  pausedUntil: families.pausedUntil,
};

export async function allSchools(db: Db) {
  return db.select().from(schools).orderBy(asc(schools.id));
}

/**
 * One page of a school's active families in id order after `afterId`: for a tick, those with no plan
 * for `withoutPlanFor` (a week); for a preview, all of them, or the one family asked about.
 */
export async function familiesOfSchool(
  db: Db,
  schoolId: number,
  page: { afterId: number; limit: number },
  only: { withoutPlanFor?: string; familyId?: number } = {},
): Promise<NudgeFamily[]> {
  const { withoutPlanFor: week, familyId } = only;
  return db
    .select(familyColumns)
    .from(families)
    .where(
      and(
        eq(families.schoolId, schoolId),
        eq(families.active, true),
        gt(families.id, page.afterId),
        familyId !== undefined ? eq(families.id, familyId) : undefined,
        week !== undefined
          ? notExists(db.select({ one: sql`1` }).from(nudgePlans).where(and(eq(nudgePlans.familyId, families.id), eq(nudgePlans.week, week))))
          : undefined,
      ),
    )
    .orderBy(asc(families.id))
    .limit(page.limit);
}

export async function plansOf(db: Db, familyIds: number[], week: string): Promise<NudgePlanRow[]> {
  if (!familyIds.length) return [];
  return db.select().from(nudgePlans).where(and(inArray(nudgePlans.familyId, familyIds), eq(nudgePlans.week, week)));
}

/**
 * Per family: each active child of the school a guardian may be contacted about, with that
 * guardian's textable number (null when the guardian has none). A child behind a no-contact
 * order for every guardian of the family does not appear.
 */
export async function nudgeAudience(db: Db, familyIds: number[]) {
  if (!familyIds.length) return [];
  return db
    .select({
      familyId: guardians.familyId,
      number: phones.number,
      studentId: students.id,
      firstName: students.firstName,
      grade: students.grade,
    })
    .from(guardians)
    .innerJoin(families, eq(families.id, guardians.familyId))
    .innerJoin(studentGuardians, and(eq(studentGuardians.guardianId, guardians.id), eq(studentGuardians.mayContact, true)))
    .innerJoin(students, and(eq(students.id, studentGuardians.studentId), eq(students.active, true), eq(students.schoolId, families.schoolId)))
    .leftJoin(phones, and(eq(phones.guardianId, guardians.id), eq(phones.canReceive, true)))
    .where(and(inArray(guardians.familyId, valuesOf('families', 'id', familyIds)), eq(guardians.active, true)))
    .orderBy(asc(guardians.familyId), asc(students.id));
}

/** Each student's active classes with the class's first teacher, lowest class id first (the homeroom when unsure). */
export async function classesOfStudents(db: Db, studentIds: number[]) {
  if (!studentIds.length) return [];
  const firstTeacher = sql<number | null>`(select min(${classTeachers.staffId}) from ${classTeachers} where ${classTeachers.classId} = ${classes.id})`;
  const rows = await db
    .select({ studentId: enrollments.studentId, classId: classes.id, teacherId: firstTeacher })
    .from(enrollments)
    .innerJoin(classes, and(eq(classes.id, enrollments.classId), eq(classes.active, true)))
    .where(inArray(enrollments.studentId, valuesOf('students', 'id', studentIds)))
    .orderBy(asc(enrollments.studentId), asc(classes.id));
  const teacherIds = [...new Set(rows.map((r) => r.teacherId).filter((t): t is number => t !== null))];
  const names = teacherIds.length
    ? new Map((await db.select({ id: staff.id, name: staff.name }).from(staff).where(inArray(staff.id, valuesOf('staff', 'id', teacherIds)))).map((s) => [s.id, s.name]))
    : new Map<number, string | null>();
  return rows.map((r) => ({ ...r, teacherName: r.teacherId === null ? null : (names.get(r.teacherId) ?? null) }));
}

/** Per student, the tips nudges carried since `sinceWeek` (YYYY-Www). */
export async function recentTipIds(db: Db, studentIds: number[], sinceWeek: string): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (!studentIds.length) return out;
  const rows = await db
    .select({ studentId: nudgeTips.studentId, tipId: nudgeTips.tipId })
    .from(nudgeTips)
    .where(and(inArray(nudgeTips.studentId, valuesOf('students', 'id', studentIds)), gte(nudgeTips.week, sinceWeek)))
    .orderBy(asc(nudgeTips.week));
  for (const r of rows) out.set(r.studentId, [...(out.get(r.studentId) ?? []), r.tipId]);
  return out;
}

export async function optedOutNumbers(db: Db, numbers: string[], senderKey: string): Promise<Set<string>> {
  if (!numbers.length) return new Set();
  const rows = await db
    .select({ number: optOuts.phoneNumber })
    .from(optOuts)
    .where(and(inArray(optOuts.phoneNumber, valuesOf('opt_outs', 'phone_number', numbers)), eq(optOuts.sendingNumber, senderKey)));
  return new Set(rows.map((r) => r.number));
}

/**
 * Automated texts (nudges, reminders) each number was given since `sinceIso`, from any family
 * and school; blocked and canceled ones never left and do not count, nor do urgent ones. Uses messages_to_idx (to_number, created_at).
 */
export async function automatedCounts(db: Db, numbers: string[], sinceIso: string): Promise<Map<string, { nudges: number; automated: number }>> {
  const out = new Map<string, { nudges: number; automated: number }>();
  if (!numbers.length) return out;
  const rows = await db
    .select({ number: messages.toNumber, kind: messages.kind, n: count() })
    .from(messages)
    .where(
      and(
        inArray(messages.toNumber, numbers),
        gte(messages.createdAt, sinceIso),
        eq(messages.direction, 'outbound'),
        inArray(messages.kind, ['nudge', 'reminder']),
        // An urgent reminder (a closure, a safety alert) is outside the budget (DESIGN.md).
        eq(messages.urgent, false),
        // Blocked and canceled texts never left.
        notInArray(messages.status, ['blocked', 'canceled']),
      ),
    )
    .groupBy(messages.toNumber, messages.kind);
  for (const r of rows) {
    const c = out.get(r.number) ?? { nudges: 0, automated: 0 };
    if (r.kind === 'nudge') c.nudges += Number(r.n);
    c.automated += Number(r.n);
    out.set(r.number, c);
  }
  return out;
}

/** Student ids by the roster's external ids (the demo seeds its progress records by them). */
export async function findStudentsByExternalId(db: Db, externalIds: string[]): Promise<Map<string, number>> {
  if (!externalIds.length) return new Map();
  const rows = await db.select({ id: students.id, externalId: students.externalId }).from(students).where(inArray(students.externalId, externalIds));
  return new Map(rows.map((r) => [r.externalId!, r.id]));
}

export interface NudgeWeekCounts {
  language: string | null;
  sent: number;
  delivered: number;
  replied: number;
  tipFeedback: number;
  optOuts: number;
}

/**
 * A school's nudges created in [startIso, endIso), per language: how many left (blocked ones never
 * did), were delivered, got a reply from the number they went to, and were followed by that
 * number opting out of the school's sender, both before `followUpIso` (a week after the week).
 */
export async function nudgeWeekCounts(db: Db, schoolId: number, startIso: string, endIso: string, followUpIso: string): Promise<NudgeWeekCounts[]> {
  const reply = sql`exists (select 1 from ${messages} r where r.conversation_id = ${messages.conversationId} and r.direction = 'inbound'
    and r.from_number = ${messages.toNumber} and r.created_at >= ${messages.createdAt} and r.created_at < ${followUpIso})`;
  const optOut = sql`exists (select 1 from ${optOuts} o where o.phone_number = ${messages.toNumber} and o.sending_number = ${messages.fromNumber}
    and o.since >= ${messages.createdAt} and o.since < ${followUpIso})`;
  const feedback = sql`exists (select 1 from ${tipFeedback} f where f.nudge_message_id = ${messages.id})`;
  const rows = await db
    .select({
      language: messages.language,
      sent: count(),
      tipFeedback: sql<number>`sum(case when ${feedback} then 1 else 0 end)`,
      delivered: sql<number>`sum(case when ${messages.status} = 'delivered' then 1 else 0 end)`,
      // A STOP is an answer too, but it is counted as an opt-out, not as a reply.
      replied: sql<number>`sum(case when ${reply} and not ${optOut} then 1 else 0 end)`,
      optOuts: sql<number>`sum(case when ${optOut} then 1 else 0 end)`,
    })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(
      and(
        eq(conversations.schoolId, schoolId),
        eq(messages.direction, 'outbound'),
        eq(messages.kind, 'nudge'),
        ne(messages.status, 'blocked'),
        gte(messages.createdAt, startIso),
        sql`${messages.createdAt} < ${endIso}`,
      ),
    )
    .groupBy(messages.language)
    .orderBy(asc(messages.language));
  return rows.map((r) => ({ language: r.language, sent: Number(r.sent), delivered: Number(r.delivered), replied: Number(r.replied), tipFeedback: Number(r.tipFeedback), optOuts: Number(r.optOuts) }));
}
