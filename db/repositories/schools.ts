import { and, asc, eq, gt, inArray, isNull, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { QueryBuilder } from 'drizzle-orm/sqlite-core';
import type { Db } from '../client';
import { classes, classTeachers, enrollments, guardians, schools, students, studentGuardians } from '../schema';

export type SchoolRow = typeof schools.$inferSelect;

/**
 * Which rows a caller may see. Only src/staff/scope.ts builds one; repositories turn it into
 * SQL with the helpers below, so every list and lookup applies the same rule.
 */
export interface Visibility {
  /** null means every school. */
  schoolIds: number[] | null;
  /**
   * A teacher's staff id: then only the classes they teach, the students enrolled in them and
   * those students' contactable families. null means every class, student and family in schoolIds.
   */
  taughtBy: number | null;
  /** Conversations with a number no roster knows. */
  unmatched: boolean;
}

const FALSE = sql`0 = 1`;
const qb = new QueryBuilder();

/*
 * A teacher's reach is a subquery, not an id list built in JS: SQLite evaluates it once per
 * statement into a temporary index over the teacher's own rows (class_teachers_staff_idx →
 * enrollments PK → student_guardians PK), so a 3,000-student school costs the same as a 30-one
 * and no statement carries thousands of bound parameters. bench numbers: see the report.
 */

/** Active classes the teacher teaches. */
const taughtClassIds = (staffId: number) =>
  qb
    .select({ id: classTeachers.classId })
    .from(classTeachers)
    .innerJoin(classes, and(eq(classes.id, classTeachers.classId), eq(classes.active, true)))
    .where(eq(classTeachers.staffId, staffId));

/** Active students enrolled in an active class the teacher teaches. */
const taughtStudentIds = (staffId: number) =>
  qb
    .select({ id: enrollments.studentId })
    .from(classTeachers)
    .innerJoin(classes, and(eq(classes.id, classTeachers.classId), eq(classes.active, true)))
    .innerJoin(enrollments, eq(enrollments.classId, classTeachers.classId))
    .innerJoin(students, and(eq(students.id, enrollments.studentId), eq(students.active, true)))
    .where(eq(classTeachers.staffId, staffId));

/**
 * Families with an active guardian who may be contacted about one of those students. A
 * household whose only tie to the class is a no-contact order stays out of the teacher's
 * reach: they could not text it about that child anyway.
 */
const taughtFamilyIds = (staffId: number) =>
  qb
    .select({ id: guardians.familyId })
    .from(classTeachers)
    .innerJoin(classes, and(eq(classes.id, classTeachers.classId), eq(classes.active, true)))
    .innerJoin(enrollments, eq(enrollments.classId, classTeachers.classId))
    .innerJoin(students, and(eq(students.id, enrollments.studentId), eq(students.active, true)))
    .innerJoin(studentGuardians, and(eq(studentGuardians.studentId, enrollments.studentId), eq(studentGuardians.mayContact, true)))
    .innerJoin(guardians, and(eq(guardians.id, studentGuardians.guardianId), eq(guardians.active, true)))
    .where(eq(classTeachers.staffId, staffId));

export function schoolCondition(column: SQLWrapper, vis: Visibility): SQL | undefined {
  if (vis.schoolIds === null) return undefined;
  return vis.schoolIds.length ? inArray(column as never, vis.schoolIds) : FALSE;
}

/** For rows that belong to a family (or, for conversations, may belong to an unknown number). */
export function familyCondition(schoolColumn: SQLWrapper, familyColumn: SQLWrapper, vis: Visibility): SQL | undefined {
  const bySchool = schoolCondition(schoolColumn, vis);
  const known = vis.taughtBy === null ? sql`${familyColumn} is not null` : inArray(familyColumn as never, taughtFamilyIds(vis.taughtBy));
  const byFamily = vis.unmatched ? or(known, isNull(familyColumn as never)) : known;
  return and(bySchool, byFamily);
}

/** For classes rows. */
export function classCondition(schoolColumn: SQLWrapper, classColumn: SQLWrapper, vis: Visibility): SQL | undefined {
  return and(schoolCondition(schoolColumn, vis), vis.taughtBy === null ? undefined : inArray(classColumn as never, taughtClassIds(vis.taughtBy)));
}

/** For students rows. */
export function studentCondition(schoolColumn: SQLWrapper, studentColumn: SQLWrapper, vis: Visibility): SQL | undefined {
  return and(schoolCondition(schoolColumn, vis), vis.taughtBy === null ? undefined : inArray(studentColumn as never, taughtStudentIds(vis.taughtBy)));
}

/** Schools of the active classes a teacher teaches (a teacher may teach in more than one). */
export async function taughtSchoolIds(db: Db, staffId: number): Promise<number[]> {
  const rows = db
    .selectDistinct({ id: classes.schoolId })
    .from(classTeachers)
    .innerJoin(classes, and(eq(classes.id, classTeachers.classId), eq(classes.active, true)))
    .where(eq(classTeachers.staffId, staffId))
    .all();
  return rows.map((r) => r.id);
}

export interface NewSchool {
  externalId?: string | null;
  name: string;
  timezone: string;
  fromNumber: string | null;
  messagingServiceSid: string | null;
  defaultLanguage: string;
  mps: number;
}

export async function insertSchool(db: Db, school: NewSchool, now: string): Promise<SchoolRow> {
  return db
    .insert(schools)
    .values({ ...school, createdAt: now, updatedAt: now })
    .returning()
    .get();
}

export async function findSchool(db: Db, id: number, vis?: Visibility): Promise<SchoolRow | undefined> {
  return db
    .select()
    .from(schools)
    .where(and(eq(schools.id, id), vis ? schoolCondition(schools.id, vis) : undefined))
    .get();
}

export async function findSchoolByExternalId(db: Db, externalId: string): Promise<SchoolRow | undefined> {
  return db.select().from(schools).where(eq(schools.externalId, externalId)).get();
}

/** Up to limit + 1 rows after the given id, so the caller can tell whether another page exists. */
export async function listSchools(db: Db, vis: Visibility, page: { limit: number; afterId?: number }): Promise<SchoolRow[]> {
  return db
    .select()
    .from(schools)
    .where(and(schoolCondition(schools.id, vis), page.afterId !== undefined ? gt(schools.id, page.afterId) : undefined))
    .orderBy(asc(schools.id))
    .limit(page.limit + 1)
    .all();
}

export type SchoolPatch = Partial<Omit<NewSchool, 'externalId'>>;

export async function updateSchool(db: Db, id: number, patch: SchoolPatch, now: string): Promise<SchoolRow | undefined> {
  return db
    .update(schools)
    .set({ ...patch, updatedAt: now })
    .where(eq(schools.id, id))
    .returning()
    .get();
}
