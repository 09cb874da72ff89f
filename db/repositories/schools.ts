import { and, asc, eq, exists, gt, inArray, isNull, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../client';
import { dialectSql } from '../dialects/differences';
import { first } from '../query';
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

/*
 * A teacher's reach is SQL, never an id list built in JS, so no statement carries thousands of
 * bound parameters. Each chain has two forms with opposite costs (measured on 20,000 students):
 * - "list": `id IN (subquery)`. SQLite materialises the teacher's reach once and walks it in id
 *   order: a page costs ~0.3 ms for a teacher with 125 families, ~12 ms for one reaching 7,000.
 * - "row": a correlated EXISTS from the row back to the teacher, ~0.05 ms whatever the reach, but
 *   a list would run it per candidate row (12 ms to page a small teacher through a big school).
 * Single-row lookups (every inbox click) use "row"; lists use "list".
 */
type Form = 'list' | 'row';

/** `chain(null)` selects the ids in reach; `chain(column)` is the same chain tied to one row. */
function reach(form: Form, column: SQLWrapper, chain: (row: SQLWrapper | null) => SQLWrapper): SQL {
  return form === 'list' ? inArray(column as never, chain(null) as never) : exists(chain(column) as never);
}

// The chains name their tables apart from the outer query's, so a correlated `students.id`
// (say) means the row being checked, never the chain's own students. Made once, from the tables
// of the dialect this process opened.
let scopeTables: ReturnType<typeof makeScopeTables> | null = null;
function makeScopeTables() {
  return {
    of: classTeachers,
    ct: alias(classTeachers, 'scope_ct'),
    cls: alias(classes, 'scope_cls'),
    en: alias(enrollments, 'scope_en'),
    st: alias(students, 'scope_st'),
    sg: alias(studentGuardians, 'scope_sg'),
    gu: alias(guardians, 'scope_gu'),
    qb: dialectSql().queryBuilder,
  };
}
function scope() {
  if (scopeTables?.of !== classTeachers) scopeTables = makeScopeTables();
  return scopeTables;
}

/** Active classes the teacher teaches. */
function taughtClasses(staffId: number, classColumn: SQLWrapper | null) {
  const { qb, ct, cls } = scope();
  return qb
    .select({ id: ct.classId })
    .from(ct)
    .innerJoin(cls, and(eq(cls.id, ct.classId), eq(cls.active, true)))
    .where(and(eq(ct.staffId, staffId), classColumn ? eq(ct.classId, classColumn as never) : undefined));
}

/** Active students enrolled in an active class the teacher teaches. */
function taughtStudents(staffId: number, studentColumn: SQLWrapper | null) {
  const { qb, en, st, ct, cls } = scope();
  return qb
    .select({ id: en.studentId })
    .from(en)
    .innerJoin(st, and(eq(st.id, en.studentId), eq(st.active, true)))
    .innerJoin(ct, and(eq(ct.classId, en.classId), eq(ct.staffId, staffId)))
    .innerJoin(cls, and(eq(cls.id, en.classId), eq(cls.active, true)))
    .where(studentColumn ? eq(en.studentId, studentColumn as never) : undefined);
}

/**
 * Families with an active guardian who may be contacted about one of those students. A household
 * whose only tie to the class is a no-contact order stays out of reach: the teacher could not
 * text it about that child anyway.
 */
function taughtFamilies(staffId: number, familyColumn: SQLWrapper | null) {
  const { qb, gu, sg, st, en, ct, cls } = scope();
  return qb
    .select({ id: gu.familyId })
    .from(gu)
    .innerJoin(sg, and(eq(sg.guardianId, gu.id), eq(sg.mayContact, true)))
    .innerJoin(st, and(eq(st.id, sg.studentId), eq(st.active, true)))
    .innerJoin(en, eq(en.studentId, sg.studentId))
    .innerJoin(ct, and(eq(ct.classId, en.classId), eq(ct.staffId, staffId)))
    .innerJoin(cls, and(eq(cls.id, en.classId), eq(cls.active, true)))
    .where(and(eq(gu.active, true), familyColumn ? eq(gu.familyId, familyColumn as never) : undefined));
}

/**
 * A visibility with placeholders where its ids go, the values to bind to them, and its shape
 * (how many schools, a teacher or not): a lookup built from it is prepared once per shape and
 * run with the values, instead of being built for every request.
 */
export function boundVisibility(vis: Visibility): { shape: string; vis: Visibility; values: Record<string, number> } {
  const values: Record<string, number> = {};
  vis.schoolIds?.forEach((id, i) => (values[`vis_s${i}`] = id));
  if (vis.taughtBy !== null) values.vis_t = vis.taughtBy;
  return {
    shape: `${vis.schoolIds === null ? 'all' : vis.schoolIds.length}:${vis.taughtBy === null ? 'any' : 'taught'}:${vis.unmatched}`,
    // Placeholders stand in for the ids: drizzle binds them when the statement runs.
    vis: {
      schoolIds: vis.schoolIds === null ? null : (vis.schoolIds.map((_, i) => sql.placeholder(`vis_s${i}`)) as unknown as number[]),
      taughtBy: vis.taughtBy === null ? null : (sql.placeholder('vis_t') as unknown as number),
      unmatched: vis.unmatched,
    },
    values,
  };
}

export function schoolCondition(column: SQLWrapper, vis: Visibility): SQL | undefined {
  if (vis.schoolIds === null) return undefined;
  return vis.schoolIds.length ? inArray(column as never, vis.schoolIds) : FALSE;
}

/** For rows that belong to a family (or, for conversations, may belong to an unknown number). */
export function familyCondition(schoolColumn: SQLWrapper, familyColumn: SQLWrapper, vis: Visibility, form: Form = 'list'): SQL | undefined {
  const t = vis.taughtBy;
  const known = t === null ? sql`${familyColumn} is not null` : reach(form, familyColumn, (row) => taughtFamilies(t, row));
  return and(schoolCondition(schoolColumn, vis), vis.unmatched ? or(known, isNull(familyColumn as never)) : known);
}

/** For classes rows. */
export function classCondition(schoolColumn: SQLWrapper, classColumn: SQLWrapper, vis: Visibility, form: Form = 'list'): SQL | undefined {
  const t = vis.taughtBy;
  return and(schoolCondition(schoolColumn, vis), t === null ? undefined : reach(form, classColumn, (row) => taughtClasses(t, row)));
}

/** For students rows. */
export function studentCondition(schoolColumn: SQLWrapper, studentColumn: SQLWrapper, vis: Visibility, form: Form = 'list'): SQL | undefined {
  const t = vis.taughtBy;
  return and(schoolCondition(schoolColumn, vis), t === null ? undefined : reach(form, studentColumn, (row) => taughtStudents(t, row)));
}

/** Schools of the active classes a teacher teaches (a teacher may teach in more than one). */
export async function taughtSchoolIds(db: Db, staffId: number): Promise<number[]> {
  const rows = await db
    .selectDistinct({ id: classes.schoolId })
    .from(classTeachers)
    .innerJoin(classes, and(eq(classes.id, classTeachers.classId), eq(classes.active, true)))
    .where(eq(classTeachers.staffId, staffId));
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
  phoneRegion?: string;
  nudgeSlot?: SchoolRow['nudgeSlot'];
}

export async function insertSchool(db: Db, school: NewSchool, now: string): Promise<SchoolRow> {
  const [created] = await db
    .insert(schools)
    .values({ ...school, createdAt: now, updatedAt: now })
    .returning();
  return created;
}

export async function findSchool(db: Db, id: number, vis?: Visibility): Promise<SchoolRow | undefined> {
  return first(
    db
      .select()
      .from(schools)
      .where(and(eq(schools.id, id), vis ? schoolCondition(schools.id, vis) : undefined)),
  );
}

export async function findSchoolByExternalId(db: Db, externalId: string): Promise<SchoolRow | undefined> {
  return first(db.select().from(schools).where(eq(schools.externalId, externalId)));
}

/** Up to limit + 1 rows after the given id, so the caller can tell whether another page exists. */
export async function listSchools(db: Db, vis: Visibility, page: { limit: number; afterId?: number }): Promise<SchoolRow[]> {
  return db
    .select()
    .from(schools)
    .where(and(schoolCondition(schools.id, vis), page.afterId !== undefined ? gt(schools.id, page.afterId) : undefined))
    .orderBy(asc(schools.id))
    .limit(page.limit + 1);
}

export type SchoolPatch = Partial<Omit<NewSchool, 'externalId'>>;

export async function updateSchool(db: Db, id: number, patch: SchoolPatch, now: string): Promise<SchoolRow | undefined> {
  const [updated] = await db
    .update(schools)
    .set({ ...patch, updatedAt: now })
    .where(eq(schools.id, id))
    .returning();
  return updated;
}
