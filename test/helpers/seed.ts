import type { Db } from '../../db/client';
import { families, guardians, phones, schools, staff, students, studentGuardians } from '../../db/schema';

const AT = '2026-11-01T12:00:00.000Z';

/** Invented school for tests; sends from the deployment default unless `from` is given. */
export function seedSchool(db: Db, opts: { name?: string; timezone?: string; from?: string | null; mps?: number } = {}) {
  return db
    .insert(schools)
    .values({
      name: opts.name ?? 'Maple Street School',
      timezone: opts.timezone ?? 'America/New_York',
      fromNumber: opts.from ?? null,
      mps: opts.mps ?? 0,
      createdAt: AT,
      updatedAt: AT,
    })
    .returning()
    .get();
}

/** One family: guardians (each with a phone) all linked to each student. */
export function seedFamily(
  db: Db,
  schoolId: number,
  opts: { name: string; language?: string; guardians: { first: string; phone: string }[]; students?: { first: string; grade: string }[] },
) {
  const family = db
    .insert(families)
    .values({ schoolId, displayName: opts.name, language: opts.language ?? 'en', createdAt: AT, updatedAt: AT })
    .returning()
    .get();
  const gs = opts.guardians.map((g) => {
    const row = db
      .insert(guardians)
      .values({ familyId: family.id, firstName: g.first, lastName: opts.name, createdAt: AT, updatedAt: AT })
      .returning()
      .get();
    db.insert(phones).values({ guardianId: row.id, number: g.phone, createdAt: AT }).run();
    return row;
  });
  for (const s of opts.students ?? []) {
    const st = db
      .insert(students)
      .values({ schoolId, firstName: s.first, lastName: opts.name, grade: s.grade, createdAt: AT, updatedAt: AT })
      .returning()
      .get();
    for (const g of gs) db.insert(studentGuardians).values({ studentId: st.id, guardianId: g.id }).run();
  }
  return { family, guardians: gs };
}

export function seedStaff(db: Db, opts: { email: string; role: 'district_admin' | 'school_admin' | 'teacher'; schoolId?: number }) {
  return db
    .insert(staff)
    .values({ email: opts.email, role: opts.role, schoolId: opts.schoolId ?? null, createdAt: AT })
    .returning()
    .get();
}
