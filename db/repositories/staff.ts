import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { prepared } from '../prepared';
import { batchedByKey } from '../batched-read';
import { dialectSql } from '../dialects/differences';
import { affectedRows, first } from '../query';
import { apiTokens, schools, staff } from '../schema';

export type StaffRow = typeof staff.$inferSelect;
export type StaffRole = StaffRow['role'];
export const STAFF_ROLES: readonly StaffRole[] = ['district_admin', 'school_admin', 'teacher'];

export async function findStaffByEmail(db: Db, email: string): Promise<StaffRow | undefined> {
  return first(db.select().from(staff).where(eq(staff.email, email)));
}

export async function findStaffById(db: Db, id: number): Promise<StaffRow | undefined> {
  return first(db.select().from(staff).where(eq(staff.id, id)));
}

export interface NewStaff {
  email: string;
  name: string | null;
  role: StaffRole;
  schoolId: number | null;
  phone?: string | null;
}

export async function insertStaff(db: Db, row: NewStaff, now: string): Promise<StaffRow> {
  const [created] = await db
    .insert(staff)
    .values({ ...row, createdAt: now })
    .returning();
  return created;
}

export async function updateStaff(
  db: Db,
  id: number,
  patch: Partial<NewStaff> & { active?: boolean },
): Promise<StaffRow> {
  const [updated] = await db.update(staff).set(patch).where(eq(staff.id, id)).returning();
  return updated;
}

/** Stores an argon2id PHC string (src/staff/passwords.ts); never a password itself. */
export async function setPasswordHash(db: Db, id: number, passwordHash: string): Promise<void> {
  await db.update(staff).set({ passwordHash }).where(eq(staff.id, id));
}

export async function insertApiToken(db: Db, staffId: number, tokenHash: string, now: string): Promise<void> {
  await db.insert(apiTokens).values({ staffId, tokenHash, createdAt: now });
}

/** Revokes every live token of one staff member; answers how many were live. */
export async function revokeApiTokens(db: Db, staffId: number, now: string): Promise<number> {
  const res = await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.staffId, staffId), isNull(apiTokens.revokedAt)));
  return affectedRows(res);
}

/** The active staff member holding this live token, if any. */
export async function findStaffByTokenHash(db: Db, tokenHash: string): Promise<StaffRow | undefined> {
  // Every API request starts here: prepared once, and requests side by side share one query.
  const [row] = await batchedByKey(
    db,
    'staff.byTokenHash',
    (db, hashes) =>
      prepared(db, 'staff.byTokenHashes', () =>
        db
          .select({ hash: apiTokens.tokenHash, staff })
          .from(apiTokens)
          .innerJoin(staff, eq(staff.id, apiTokens.staffId))
          .where(and(dialectSql().inJsonArray(apiTokens.tokenHash, sql.placeholder('hashes'), 'text'), isNull(apiTokens.revokedAt), eq(staff.active, true))),
      ).all({ hashes }),
    (r) => r.hash,
  )(tokenHash);
  return row?.staff;
}

export interface StaffListRow extends StaffRow {
  schoolName: string | null;
  liveTokens: number;
}

export async function listStaffWithTokens(db: Db): Promise<StaffListRow[]> {
  const rows = await db
    .select({ staff, schoolName: schools.name, liveTokens: count(apiTokens.id) })
    .from(staff)
    .leftJoin(schools, eq(schools.id, staff.schoolId))
    .leftJoin(apiTokens, and(eq(apiTokens.staffId, staff.id), isNull(apiTokens.revokedAt)))
    .groupBy(staff.id, schools.name)
    .orderBy(asc(staff.id));
  return rows.map((r) => ({ ...r.staff, schoolName: r.schoolName, liveTokens: r.liveTokens }));
}

export async function countStaff(db: Db): Promise<number> {
  return (await first(db.select({ n: count() }).from(staff)))?.n ?? 0;
}
