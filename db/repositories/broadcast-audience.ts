import { and, asc, eq, exists, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { dialectSql } from '../dialects/differences';
import { classes, enrollments, families, guardians, studentGuardians, students } from '../schema';

/** Who a broadcast's audience (src/reminders/audience.ts decides) reaches: families, their links to the students it names. */

/** Which students a broadcast is about; the school's own, active ones only (checked in SQL). */
export type StudentFilter = { type: 'school' } | { type: 'grades'; grades: string[] } | { type: 'classes'; ids: number[] } | { type: 'students'; ids: number[] };

/**
 * The student is the school's, without students_school_idx as the way in: from a family the way is
 * guardians → student_guardians → the student by its key, not every student of the school for
 * each family (see unindexed).
 */
const schoolStudent = (schoolId: number) => sql`${dialectSql().unindexed(students.schoolId)} = ${schoolId}`;

function studentMatches(filter: StudentFilter): SQL | undefined {
  switch (filter.type) {
    case 'school':
      return undefined;
    case 'grades':
      return inArray(students.grade, filter.grades);
    case 'students':
      return inArray(students.id, filter.ids);
    case 'classes':
      return exists(
        dialectSql().queryBuilder.select({ one: sql`1` }).from(enrollments).where(and(eq(enrollments.studentId, students.id), inArray(enrollments.classId, filter.ids))),
      );
  }
}

/**
 * One page of the school's active families in id order after `afterId` that have an active guardian
 * linked to an active student of the school the filter picks (whether or not they may be contacted:
 * a family behind a no-contact order is listed, and skipped with its reason).
 */
export async function audienceFamilies(db: Db, schoolId: number, filter: StudentFilter, afterId: number, limit: number) {
  return db
    .select({ id: families.id, language: families.language, pausedUntil: families.pausedUntil, timezone: families.timezone })
    .from(families)
    .where(and(inAudience(db, schoolId, filter), gt(families.id, afterId)))
    .orderBy(asc(families.id))
    .limit(limit);
}

/** The languages the audience's families read (each once), for a reminder rendered per language. */
export async function audienceLanguages(db: Db, schoolId: number, filter: StudentFilter): Promise<string[]> {
  const rows = await db.selectDistinct({ language: families.language }).from(families).where(inAudience(db, schoolId, filter));
  return rows.map((r) => r.language);
}

/** The family is the school's, active, and has an active guardian of an active student the filter picks. */
function inAudience(db: Db, schoolId: number, filter: StudentFilter): SQL | undefined {
  const linked = db
    .select({ one: sql`1` })
    .from(guardians)
    .innerJoin(studentGuardians, eq(studentGuardians.guardianId, guardians.id))
    .innerJoin(students, and(eq(students.id, studentGuardians.studentId), eq(students.active, true), schoolStudent(schoolId)))
    .where(and(eq(guardians.familyId, families.id), eq(guardians.active, true), studentMatches(filter)));
  return and(eq(families.schoolId, schoolId), eq(families.active, true), exists(linked));
}

/** Every active guardian's link to each student the filter picks, in the given families. */
export async function audienceLinks(db: Db, schoolId: number, filter: StudentFilter, familyIds: number[]) {
  if (!familyIds.length) return [];
  return db
    .select({ studentId: students.id, guardianId: guardians.id, familyId: guardians.familyId, mayContact: studentGuardians.mayContact })
    .from(guardians)
    .innerJoin(studentGuardians, eq(studentGuardians.guardianId, guardians.id))
    .innerJoin(students, and(eq(students.id, studentGuardians.studentId), eq(students.active, true), schoolStudent(schoolId)))
    .where(and(inArray(guardians.familyId, familyIds), eq(guardians.active, true), studentMatches(filter)))
    .orderBy(asc(guardians.familyId), asc(guardians.id), asc(students.id));
}

/** Which of these ids are the school's classes (any, active or not: a list names what exists). */
export async function classIdsOfSchool(db: Db, schoolId: number, ids: number[]): Promise<Set<number>> {
  const rows = await db.select({ id: classes.id }).from(classes).where(and(eq(classes.schoolId, schoolId), inArray(classes.id, ids)));
  return new Set(rows.map((r) => r.id));
}

/** Which of these ids are the school's students. */
export async function studentIdsOfSchool(db: Db, schoolId: number, ids: number[]): Promise<Set<number>> {
  const found = new Set<number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.select({ id: students.id }).from(students).where(and(schoolStudent(schoolId), inArray(students.id, ids.slice(i, i + 500))));
    for (const r of rows) found.add(r.id);
  }
  return found;
}

/** FamilyLine ids of the school's students by the roster's own student ids (external ids); unknown ones are missing from the map. */
export async function studentIdsByRosterId(db: Db, schoolId: number, rosterIds: string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (let i = 0; i < rosterIds.length; i += 500) {
    const rows = await db
      .select({ id: students.id, externalId: students.externalId })
      .from(students)
      .where(and(schoolStudent(schoolId), inArray(students.externalId, rosterIds.slice(i, i + 500))));
    for (const r of rows) found.set(r.externalId!, r.id);
  }
  return found;
}

/** The grades the school's active students are in (each once), for the console's audience picker. */
export async function gradesOfSchool(db: Db, schoolId: number): Promise<string[]> {
  const rows = await db.selectDistinct({ grade: students.grade }).from(students).where(and(eq(students.schoolId, schoolId), eq(students.active, true)));
  return rows.map((r) => r.grade);
}
