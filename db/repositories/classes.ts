import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { transaction, type Db } from '../client';
import { first } from '../query';
import { classes, classTeachers, enrollments, guardians, staff, students, studentGuardians } from '../schema';
import { classCondition, studentCondition, type Visibility } from './schools';

/** The staff API's reads of classes and students (the roster import owns the writes). */

export type ClassRow = typeof classes.$inferSelect;
export type StudentRow = typeof students.$inferSelect;

// Well under SQLite's bound-parameter limit; a page is at most 501 ids anyway.
const CHUNK = 500;
async function chunked<T>(ids: number[], fn: (part: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await fn(ids.slice(i, i + CHUNK))));
  return out;
}

/** Up to limit + 1 rows after the given id, so the caller can tell whether another page exists. */
export async function listClasses(db: Db, vis: Visibility, page: { limit: number; afterId?: number; schoolId?: number }): Promise<ClassRow[]> {
  return db
    .select()
    .from(classes)
    .where(
      and(
        classCondition(classes.schoolId, classes.id, vis),
        page.schoolId !== undefined ? eq(classes.schoolId, page.schoolId) : undefined,
        page.afterId !== undefined ? gt(classes.id, page.afterId) : undefined,
      ),
    )
    .orderBy(asc(classes.id))
    .limit(page.limit + 1);
}

export async function findClass(db: Db, id: number, vis: Visibility): Promise<ClassRow | undefined> {
  return first(db.select().from(classes).where(and(eq(classes.id, id), classCondition(classes.schoolId, classes.id, vis, 'row'))));
}

export async function teachersOfClass(db: Db, classId: number): Promise<{ id: number; name: string | null; email: string }[]> {
  return db
    .select({ id: staff.id, name: staff.name, email: staff.email })
    .from(classTeachers)
    .innerJoin(staff, and(eq(staff.id, classTeachers.staffId), eq(staff.active, true)))
    .where(eq(classTeachers.classId, classId))
    .orderBy(asc(staff.id));
}

/** Active students enrolled in a class, in roll-call order. */
export async function studentsOfClass(db: Db, classId: number): Promise<StudentRow[]> {
  const rows = await db
    .select({ s: students })
    .from(enrollments)
    .innerJoin(students, and(eq(students.id, enrollments.studentId), eq(students.active, true)))
    .where(eq(enrollments.classId, classId))
    .orderBy(asc(students.lastName), asc(students.firstName), asc(students.id));
  return rows.map((r) => r.s);
}

export interface StudentFilter {
  schoolId?: number;
  classId?: number;
}

export async function listStudents(db: Db, vis: Visibility, filter: StudentFilter, page: { limit: number; afterId?: number }): Promise<StudentRow[]> {
  const inClass =
    filter.classId === undefined
      ? undefined
      : inArray(students.id, db.select({ id: enrollments.studentId }).from(enrollments).where(eq(enrollments.classId, filter.classId)));
  return db
    .select()
    .from(students)
    .where(
      and(
        studentCondition(students.schoolId, students.id, vis),
        filter.schoolId !== undefined ? eq(students.schoolId, filter.schoolId) : undefined,
        inClass,
        page.afterId !== undefined ? gt(students.id, page.afterId) : undefined,
      ),
    )
    .orderBy(asc(students.id))
    .limit(page.limit + 1);
}

export async function findStudent(db: Db, id: number, vis: Visibility): Promise<StudentRow | undefined> {
  return first(db.select().from(students).where(and(eq(students.id, id), studentCondition(students.schoolId, students.id, vis, 'row'))));
}

/** The classes each student is enrolled in, limited to classes the caller may see. */
export async function classIdsOfStudents(db: Db, studentIds: number[], vis: Visibility): Promise<{ studentId: number; classId: number }[]> {
  return chunked(studentIds, (part) =>
    db
      .select({ studentId: enrollments.studentId, classId: enrollments.classId })
      .from(enrollments)
      .innerJoin(classes, eq(classes.id, enrollments.classId))
      .where(and(inArray(enrollments.studentId, part), classCondition(classes.schoolId, classes.id, vis)))
      .orderBy(asc(enrollments.classId)),
  );
}

export interface StudentGuardianRow {
  studentId: number;
  id: number;
  familyId: number;
  firstName: string;
  lastName: string;
  relationship: string | null;
  mayContact: boolean;
}

/** Every active guardian linked to each student, no-contact orders included so staff know of them. */
export async function guardiansOfStudents(db: Db, studentIds: number[]): Promise<StudentGuardianRow[]> {
  return chunked(studentIds, async (part) =>
    (
      await db
        .select({
          studentId: studentGuardians.studentId,
        id: guardians.id,
        familyId: guardians.familyId,
        firstName: guardians.firstName,
        lastName: guardians.lastName,
        linkRelationship: studentGuardians.relationship,
        guardianRelationship: guardians.relationship,
        mayContact: studentGuardians.mayContact,
      })
      .from(studentGuardians)
      .innerJoin(guardians, and(eq(guardians.id, studentGuardians.guardianId), eq(guardians.active, true)))
        .where(inArray(studentGuardians.studentId, part))
        .orderBy(asc(guardians.id))
    ).map(({ linkRelationship, guardianRelationship, ...g }) => ({ ...g, relationship: linkRelationship ?? guardianRelationship })),
  );
}

export interface NewClass {
  schoolId: number;
  externalId: string;
  title: string;
  /** Space-separated grades, as the roster import writes them. */
  grades: string | null;
  subjects: string[];
  teacherIds: number[];
  /** Students of the same school, by their external ids; unknown ids are skipped. */
  studentExternalIds: string[];
}

export async function findClassByExternalId(db: Db, externalId: string): Promise<ClassRow | undefined> {
  return first(db.select().from(classes).where(eq(classes.externalId, externalId)).limit(1));
}

/** A class, its teachers and its enrollments in one transaction (the demo's; the roster import has its own path). */
export async function insertClassWithMembers(db: Db, input: NewClass, now: string): Promise<ClassRow> {
  return transaction(db, async (tx) => {
    const [row] = await tx
      .insert(classes)
      .values({
        schoolId: input.schoolId,
        externalId: input.externalId,
        title: input.title,
        grades: input.grades,
        subjects: JSON.stringify(input.subjects),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    for (const staffId of input.teacherIds) await tx.insert(classTeachers).values({ classId: row.id, staffId });
    const enrolled = input.studentExternalIds.length
      ? await tx
          .select({ id: students.id })
          .from(students)
          .where(and(eq(students.schoolId, input.schoolId), inArray(students.externalId, input.studentExternalIds)))
      : [];
    for (const s of enrolled) await tx.insert(enrollments).values({ classId: row.id, studentId: s.id });
    return row;
  });
}

/** What a class is learning now; null clears it. Answers the class as stored, or undefined if there is none. */
export async function setCurrentUnit(db: Db, classId: number, unit: string | null, now: string): Promise<ClassRow | undefined> {
  return first(db.update(classes).set({ currentUnit: unit, currentUnitSetAt: now, updatedAt: now }).where(eq(classes.id, classId)).returning());
}

/** For the weekend nudges: each class's current unit (null when none is set); unknown ids are absent. */
export async function currentUnits(db: Db, classIds: number[]): Promise<Map<number, string | null>> {
  const rows = await chunked([...new Set(classIds)], (part) =>
    db.select({ id: classes.id, unit: classes.currentUnit }).from(classes).where(inArray(classes.id, part)),
  );
  return new Map(rows.map((r) => [r.id, r.unit]));
}

/** The students among `ids` the caller may see. */
export async function visibleStudents(db: Db, ids: number[], vis: Visibility): Promise<StudentRow[]> {
  return chunked([...new Set(ids)], (part) =>
    db.select().from(students).where(and(inArray(students.id, part), studentCondition(students.schoolId, students.id, vis))),
  );
}

/** The students the caller may see, by the roster's external ids (unique across the district). */
export async function visibleStudentsByExternalId(db: Db, externalIds: string[], vis: Visibility): Promise<StudentRow[]> {
  const out: StudentRow[] = [];
  const ids = [...new Set(externalIds)];
  for (let i = 0; i < ids.length; i += CHUNK) {
    out.push(
      ...(await db
        .select()
        .from(students)
        .where(and(inArray(students.externalId, ids.slice(i, i + CHUNK)), studentCondition(students.schoolId, students.id, vis)))),
    );
  }
  return out;
}
