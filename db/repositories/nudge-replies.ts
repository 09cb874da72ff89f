import { and, asc, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../client';
import { first } from '../query';
import { classes, classTeachers, conversations, enrollments, guardians, messages, staff, studentGuardians, students, tipFeedback } from '../schema';

/** What a reply answers and who should read it: the texts before it, the family's children and their teachers. */

export type LastOutbound = { id: number; kind: string; createdAt: string };

/**
 * The family's last text in its conversation at this school, before message `beforeId` when given
 * (the reply itself, so a text sent after it does not count).
 */
export async function lastOutboundOfFamily(db: Db, key: { familyId: number; schoolId: number }, beforeId?: number): Promise<LastOutbound | undefined> {
  return first(
    db
      .select({ id: messages.id, kind: messages.kind, createdAt: messages.createdAt })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(
        and(
          eq(conversations.familyId, key.familyId),
          eq(conversations.schoolId, key.schoolId),
          eq(messages.direction, 'outbound'),
          beforeId !== undefined ? lt(messages.id, beforeId) : undefined,
        ),
      )
      .orderBy(desc(messages.id))
      .limit(1),
  );
}

export interface ChildTeacher {
  studentId: number;
  firstName: string;
  /** The teacher of the child's first class (lowest id) that has an active teacher; null when none. */
  teacherId: number | null;
}

/**
 * The family's active children at this school that its guardians may be contacted about (the ones
 * a nudge is about), oldest record first, each with a teacher of their first class.
 */
export async function childrenWithTeachers(db: Db, familyId: number, schoolId: number): Promise<ChildTeacher[]> {
  const rows = await db
    .selectDistinct({ studentId: students.id, firstName: students.firstName, classId: classes.id, teacherId: staff.id })
    .from(studentGuardians)
    .innerJoin(guardians, eq(guardians.id, studentGuardians.guardianId))
    .innerJoin(students, eq(students.id, studentGuardians.studentId))
    .leftJoin(enrollments, eq(enrollments.studentId, students.id))
    .leftJoin(classes, and(eq(classes.id, enrollments.classId), eq(classes.active, true)))
    .leftJoin(classTeachers, eq(classTeachers.classId, classes.id))
    .leftJoin(staff, and(eq(staff.id, classTeachers.staffId), eq(staff.active, true)))
    .where(
      and(
        eq(guardians.familyId, familyId),
        eq(guardians.active, true),
        eq(studentGuardians.mayContact, true),
        eq(students.active, true),
        eq(students.schoolId, schoolId),
      ),
    )
    .orderBy(asc(students.id), asc(classes.id), asc(staff.id));
  const out = new Map<number, ChildTeacher>();
  for (const r of rows) {
    const child = out.get(r.studentId) ?? { studentId: r.studentId, firstName: r.firstName, teacherId: null };
    // Rows come class by class, teacher by teacher: the first with a teacher is the child's homeroom.
    if (child.teacherId === null && r.classId !== null && r.teacherId !== null) child.teacherId = r.teacherId;
    out.set(r.studentId, child);
  }
  return [...out.values()];
}

export interface NewTipFeedback {
  familyId: number;
  messageId: number;
  nudgeMessageId: number;
  digit: number;
  at: string;
}

/** Records a digit reply once, however often its follow-up job runs. */
export async function recordTipFeedback(db: Db, row: NewTipFeedback): Promise<void> {
  await db.insert(tipFeedback).values(row).onConflictDoNothing();
}

export async function tipFeedbackOfFamily(db: Db, familyId: number) {
  return db.select().from(tipFeedback).where(eq(tipFeedback.familyId, familyId)).orderBy(asc(tipFeedback.id));
}

/** The family's latest inbound texts in its conversation at this school, newest first. */
export async function recentReplies(db: Db, key: { familyId: number; schoolId: number }, limit: number): Promise<{ id: number; body: string }[]> {
  return db
    .select({ id: messages.id, body: messages.body })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(conversations.familyId, key.familyId), eq(conversations.schoolId, key.schoolId), eq(messages.direction, 'inbound')))
    .orderBy(desc(messages.id))
    .limit(limit);
}
