import { and, asc, eq, gt, inArray, isNull, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Db } from '../client';
import { schools } from '../schema';

export type SchoolRow = typeof schools.$inferSelect;

/**
 * Which rows a caller may see. Only src/staff/scope.ts builds one; repositories turn it into
 * SQL with the helpers below, so every list and lookup applies the same rule.
 * null means "no restriction" on that axis.
 */
export interface Visibility {
  schoolIds: number[] | null;
  familyIds: number[] | null;
  /** Conversations with a number no roster knows. */
  unmatched: boolean;
}

const FALSE = sql`0 = 1`;

export function schoolCondition(column: SQLWrapper, vis: Visibility): SQL | undefined {
  if (vis.schoolIds === null) return undefined;
  return vis.schoolIds.length ? inArray(column as never, vis.schoolIds) : FALSE;
}

/** For rows that belong to a family (or, for conversations, may belong to an unknown number). */
export function familyCondition(schoolColumn: SQLWrapper, familyColumn: SQLWrapper, vis: Visibility): SQL | undefined {
  const bySchool = schoolCondition(schoolColumn, vis);
  const known =
    vis.familyIds === null ? sql`${familyColumn} is not null` : vis.familyIds.length ? inArray(familyColumn as never, vis.familyIds) : FALSE;
  const byFamily = vis.unmatched ? or(known, isNull(familyColumn as never)) : known;
  return and(bySchool, byFamily);
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
