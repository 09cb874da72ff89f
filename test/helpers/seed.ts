import type { Db } from '../../db/client';
import { classes, classTeachers, enrollments, families, guardians, phones, schools, staff, students, studentGuardians } from '../../db/schema';

const AT = '2026-11-01T12:00:00.000Z';

/** Invented school for tests; sends from the deployment default unless `from` is given. */
export async function seedSchool(db: Db, opts: { name?: string; timezone?: string; from?: string | null; mps?: number } = {}) {
  const [row] = await db
    .insert(schools)
    .values({
      name: opts.name ?? 'Maple Street School',
      timezone: opts.timezone ?? 'America/New_York',
      fromNumber: opts.from ?? null,
      mps: opts.mps ?? 0,
      createdAt: AT,
      updatedAt: AT,
    })
    .returning();
  return row;
}

/**
 * One family: guardians (each with a phone) all linked to each student. `noContact` lists the
 * first names of students that guardian may not be contacted about (may_contact = false).
 */
export async function seedFamily(
  db: Db,
  schoolId: number,
  opts: {
    name: string;
    language?: string;
    guardians: { first: string; phone: string; noContact?: string[] }[];
    students?: { first: string; grade: string }[];
  },
) {
  const [family] = await db
    .insert(families)
    .values({ schoolId, displayName: opts.name, language: opts.language ?? 'en', createdAt: AT, updatedAt: AT })
    .returning();
  // One after another, so ids follow the order the caller listed them in on either dialect.
  const gs = [];
  for (const g of opts.guardians) {
    const [row] = await db
      .insert(guardians)
      .values({ familyId: family.id, firstName: g.first, lastName: opts.name, createdAt: AT, updatedAt: AT })
      .returning();
    await db.insert(phones).values({ guardianId: row.id, number: g.phone, createdAt: AT });
    gs.push(row);
  }
  const sts = [];
  for (const s of opts.students ?? []) {
    const [st] = await db
      .insert(students)
      .values({ schoolId, firstName: s.first, lastName: opts.name, grade: s.grade, createdAt: AT, updatedAt: AT })
      .returning();
    for (const [i, g] of opts.guardians.entries()) {
      const mayContact = !(g.noContact ?? []).includes(s.first);
      await db.insert(studentGuardians).values({ studentId: st.id, guardianId: gs[i].id, mayContact });
    }
    sts.push(st);
  }
  return { family, guardians: gs, students: sts };
}

/** A class of a school, taught by the given staff members. */
export async function seedClass(
  db: Db,
  schoolId: number,
  opts: { title: string; teacherIds?: number[]; grades?: string; subjects?: string; externalId?: string; active?: boolean },
) {
  const [row] = await db
    .insert(classes)
    .values({
      schoolId,
      title: opts.title,
      externalId: opts.externalId ?? null,
      grades: opts.grades ?? null,
      subjects: opts.subjects ?? null,
      active: opts.active ?? true,
      createdAt: AT,
      updatedAt: AT,
    })
    .returning();
  for (const staffId of opts.teacherIds ?? []) await db.insert(classTeachers).values({ classId: row.id, staffId });
  return row;
}

/** Enrolls students in a class. */
export async function enroll(db: Db, classId: number, studentIds: number[]) {
  for (const studentId of studentIds) await db.insert(enrollments).values({ classId, studentId });
}

export async function seedStaff(db: Db, opts: { email: string; role: 'district_admin' | 'school_admin' | 'teacher'; schoolId?: number }) {
  const [row] = await db
    .insert(staff)
    .values({ email: opts.email, role: opts.role, schoolId: opts.schoolId ?? null, createdAt: AT })
    .returning();
  return row;
}
