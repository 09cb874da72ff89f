import { and, asc, count, eq, gt, inArray, like, or } from 'drizzle-orm';
import { transaction, type Db } from '../client';
import { first } from '../query';
import { families, guardians, phones, schools, students, studentGuardians } from '../schema';
import { familyCondition, type Visibility } from './schools';

export type FamilyRow = typeof families.$inferSelect;

export interface NewGuardian {
  externalId?: string | null;
  firstName: string;
  lastName: string;
  phone: string | null;
  relationship: string | null;
  language: string | null;
}

export interface NewStudent {
  externalId?: string | null;
  firstName: string;
  lastName: string;
  grade: string;
}

export interface NewFamily {
  schoolId: number;
  displayName: string;
  language: string;
  guardians: NewGuardian[];
  students: NewStudent[];
}

/** Family, guardians, phones, students and every guardian–student link in one transaction. */
export async function insertFamilyWithMembers(db: Db, input: NewFamily, now: string): Promise<number> {
  return transaction(db, async (tx) => {
    const [family] = await tx
      .insert(families)
      .values({ schoolId: input.schoolId, displayName: input.displayName, language: input.language, createdAt: now, updatedAt: now })
      .returning({ id: families.id });
    const studentIds: number[] = [];
    for (const s of input.students) {
      const [student] = await tx
        .insert(students)
        .values({ ...s, schoolId: input.schoolId, createdAt: now, updatedAt: now })
        .returning({ id: students.id });
      studentIds.push(student.id);
    }
    for (const g of input.guardians) {
      const { phone, ...fields } = g;
      const [guardian] = await tx
        .insert(guardians)
        .values({ ...fields, familyId: family.id, createdAt: now, updatedAt: now })
        .returning({ id: guardians.id });
      if (phone) await tx.insert(phones).values({ number: phone, guardianId: guardian.id, createdAt: now });
      for (const studentId of studentIds) {
        await tx.insert(studentGuardians).values({ studentId, guardianId: guardian.id, relationship: g.relationship, mayContact: true });
      }
    }
    return family.id;
  });
}

export async function findFamily(db: Db, id: number, vis?: Visibility): Promise<FamilyRow | undefined> {
  return first(db.select().from(families).where(and(eq(families.id, id), vis ? familyCondition(families.schoolId, families.id, vis, 'row') : undefined)));
}

export async function listFamilies(
  db: Db,
  vis: Visibility,
  page: { limit: number; afterId?: number; schoolId?: number },
): Promise<FamilyRow[]> {
  return db
    .select()
    .from(families)
    .where(
      and(
        familyCondition(families.schoolId, families.id, vis),
        page.schoolId !== undefined ? eq(families.schoolId, page.schoolId) : undefined,
        page.afterId !== undefined ? gt(families.id, page.afterId) : undefined,
      ),
    )
    .orderBy(asc(families.id))
    .limit(page.limit + 1);
}

export async function updateFamily(
  db: Db,
  id: number,
  patch: { displayName?: string; language?: string; languageSource?: string; languageSuggestion?: string | null; timezone?: string | null },
  now: string,
): Promise<void> {
  await db.update(families).set({ ...patch, updatedAt: now }).where(eq(families.id, id));
}

/**
 * Switches a family to the language suggested for it, only while that is still the suggestion (a
 * second click, or a family that chose meanwhile, changes nothing). The suggestion is cleared and the
 * language counts as staff's choice. False when nothing changed.
 */
export async function takeLanguageSuggestion(db: Db, id: number, language: string, now: string): Promise<boolean> {
  const rows = await db
    .update(families)
    .set({ language, languageSource: 'staff', languageSuggestion: null, updatedAt: now })
    .where(and(eq(families.id, id), eq(families.languageSuggestion, language)))
    .returning({ id: families.id });
  return rows.length > 0;
}

export interface MemberRows {
  guardians: { familyId: number; id: number; firstName: string; lastName: string; relationship: string | null; language: string | null; phone: string | null; canReceive: boolean }[];
  students: { familyId: number; id: number; firstName: string; lastName: string; grade: string }[];
}

/** Guardians (with their first phone) and linked students of several families, in two queries. */
export async function listFamilyMembers(db: Db, familyIds: number[]): Promise<MemberRows> {
  if (!familyIds.length) return { guardians: [], students: [] };
  const guardianRows = await db
    .select({ g: guardians, phone: phones.number, canReceive: phones.canReceive, phoneId: phones.id })
    .from(guardians)
    .leftJoin(phones, eq(phones.guardianId, guardians.id))
    .where(and(inArray(guardians.familyId, familyIds), eq(guardians.active, true)))
    .orderBy(asc(guardians.id), asc(phones.id));
  const seen = new Set<number>();
  const outGuardians: MemberRows['guardians'] = [];
  for (const r of guardianRows) {
    if (seen.has(r.g.id)) continue; // extra numbers of one guardian: the API shows the first
    seen.add(r.g.id);
    outGuardians.push({
      familyId: r.g.familyId,
      id: r.g.id,
      firstName: r.g.firstName,
      lastName: r.g.lastName,
      relationship: r.g.relationship,
      language: r.g.language,
      phone: r.phone,
      canReceive: r.phone !== null && r.canReceive === true,
    });
  }
  const studentRows = await db
    .selectDistinct({
      familyId: guardians.familyId,
      id: students.id,
      firstName: students.firstName,
      lastName: students.lastName,
      grade: students.grade,
    })
    .from(studentGuardians)
    .innerJoin(guardians, eq(guardians.id, studentGuardians.guardianId))
    .innerJoin(students, eq(students.id, studentGuardians.studentId))
    .where(and(inArray(guardians.familyId, familyIds), eq(students.active, true)))
    .orderBy(asc(students.id));
  return { guardians: outGuardians, students: studentRows };
}

export async function findGuardianByExternalId(db: Db, externalId: string): Promise<{ id: number; familyId: number } | undefined> {
  return first(db.select({ id: guardians.id, familyId: guardians.familyId }).from(guardians).where(eq(guardians.externalId, externalId)));
}

/** Row counts, for the demo seed's idempotence check and reports. */
export async function familyCounts(db: Db, schoolId?: number): Promise<{ families: number; guardians: number; students: number; phones: number }> {
  const inSchool = schoolId === undefined ? undefined : eq(families.schoolId, schoolId);
  const n = async (q: PromiseLike<{ n: number }[]>) => (await first(q))?.n ?? 0;
  return {
    families: await n(db.select({ n: count() }).from(families).where(inSchool)),
    guardians: await n(db.select({ n: count() }).from(guardians).innerJoin(families, eq(families.id, guardians.familyId)).where(inSchool)),
    students: await n(db.select({ n: count() }).from(students).where(schoolId === undefined ? undefined : eq(students.schoolId, schoolId))),
    phones: await n(
      db
        .select({ n: count() })
        .from(phones)
        .innerJoin(guardians, eq(guardians.id, phones.guardianId))
        .innerJoin(families, eq(families.id, guardians.familyId))
        .where(inSchool),
    ),
  };
}

export interface GuardianPhoneRow {
  number: string;
  firstName: string;
  lastName: string;
  familyName: string;
  language: string;
  schoolFrom: string | null;
  schoolMessagingServiceSid: string | null;
}

/**
 * Active guardians' phones whose number starts with one of `prefixes`, oldest first, with who
 * they are and the sender of their school (the simulator phone lists them).
 */
export async function guardianPhonesByPrefix(db: Db, prefixes: string[], limit: number): Promise<GuardianPhoneRow[]> {
  if (!prefixes.length) return [];
  return db
    .select({
      number: phones.number,
      firstName: guardians.firstName,
      lastName: guardians.lastName,
      familyName: families.displayName,
      language: families.language,
      schoolFrom: schools.fromNumber,
      schoolMessagingServiceSid: schools.messagingServiceSid,
    })
    .from(phones)
    .innerJoin(guardians, eq(guardians.id, phones.guardianId))
    .innerJoin(families, eq(families.id, guardians.familyId))
    .innerJoin(schools, eq(schools.id, families.schoolId))
    .where(and(eq(guardians.active, true), eq(families.active, true), or(...prefixes.map((p) => like(phones.number, `${p}%`)))))
    .orderBy(asc(phones.id))
    .limit(limit);
}
