import { AppError } from '../errors';
import { isoNow } from '../lib/clock';
import * as repo from '../../db/repositories/classes';
import { visibilityFor, type StaffPrincipal } from './scope';
import type { Ctx } from './schools';

/**
 * Classes and students as staff see them. The roster import writes them; staff set only what a
 * class is learning now (its current unit).
 */

export interface ClassView {
  id: number;
  schoolId: number;
  externalId: string | null;
  title: string;
  grades: string[];
  subjects: string[];
  active: boolean;
  /** What the class is learning now, as its teacher put it; null when not set. */
  currentUnit: string | null;
  currentUnitSetAt: string | null;
}

export interface ClassDetail extends ClassView {
  teachers: { id: number; name: string | null; email: string }[];
  students: { id: number; firstName: string; lastName: string; grade: string; familyIds: number[] }[];
}

export interface StudentView {
  id: number;
  schoolId: number;
  externalId: string | null;
  firstName: string;
  lastName: string;
  grade: string;
  active: boolean;
  classIds: number[];
  guardians: { id: number; familyId: number; firstName: string; lastName: string; relationship: string | null; mayContact: boolean }[];
}

/**
 * The classes table keeps grades and subjects as text. A JSON array or a comma list is read as
 * such; grades may also be space-separated (they never contain spaces), subjects may not, since
 * "English Language Arts" is one subject.
 */
export function listField(raw: string | null, spaceSeparated: boolean): string[] {
  if (!raw || !raw.trim()) return [];
  const text = raw.trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String).filter((v) => v.trim()).map((v) => v.trim());
    } catch {
      // Not JSON after all (a subject starting with "["): read it as a plain list below.
    }
  }
  return text
    .split(spaceSeparated ? /[\s,;]+/ : /[,;]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Rows grouped by student id, so a page of 500 students is one pass, not 500 scans. */
function byStudent<T extends { studentId: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const list = out.get(r.studentId);
    if (list) list.push(r);
    else out.set(r.studentId, [r]);
  }
  return out;
}

function classView(c: repo.ClassRow): ClassView {
  return {
    id: c.id,
    schoolId: c.schoolId,
    externalId: c.externalId,
    title: c.title,
    grades: listField(c.grades, true),
    subjects: listField(c.subjects, false),
    active: c.active,
    currentUnit: c.currentUnit,
    currentUnitSetAt: c.currentUnitSetAt,
  };
}

export async function listClasses(ctx: Ctx, who: StaffPrincipal, page: { limit: number; afterId?: number; schoolId?: number }): Promise<ClassView[]> {
  return (await repo.listClasses(ctx.db, await visibilityFor(ctx.db, who), page)).map(classView);
}

export async function getClass(ctx: Ctx, who: StaffPrincipal, id: number): Promise<ClassDetail> {
  const row = await repo.findClass(ctx.db, id, await visibilityFor(ctx.db, who));
  if (!row) throw AppError.notFound(`Class ${id}`);
  const teachers = await repo.teachersOfClass(ctx.db, id);
  const students = await repo.studentsOfClass(ctx.db, id);
  const links = await repo.guardiansOfStudents(
    ctx.db,
    students.map((s) => s.id),
  );
  // Only families that may be texted about the child: a no-contact household is not one to open.
  const contactable = byStudent(links.filter((l) => l.mayContact));
  const familiesOf = (studentId: number) => [...new Set((contactable.get(studentId) ?? []).map((l) => l.familyId))].sort((a, b) => a - b);
  return {
    ...classView(row),
    teachers,
    students: students.map((s) => ({ id: s.id, firstName: s.firstName, lastName: s.lastName, grade: s.grade, familyIds: familiesOf(s.id) })),
  };
}

/**
 * Sets (or, with null, clears) what a class is learning now. Whoever may see the class may set it:
 * its teachers and the admins of its school (scope.ts); another teacher's class is a 404.
 */
export async function setCurrentUnit(ctx: Ctx, who: StaffPrincipal, id: number, unit: string | null): Promise<ClassDetail> {
  const row = await repo.findClass(ctx.db, id, await visibilityFor(ctx.db, who));
  if (!row) throw AppError.notFound(`Class ${id}`);
  if (row.currentUnit !== unit) await repo.setCurrentUnit(ctx.db, id, unit, isoNow(ctx.clock));
  return getClass(ctx, who, id);
}

async function withLinks(ctx: Ctx, vis: Awaited<ReturnType<typeof visibilityFor>>, rows: repo.StudentRow[]): Promise<StudentView[]> {
  const ids = rows.map((s) => s.id);
  const classLinks = byStudent(await repo.classIdsOfStudents(ctx.db, ids, vis));
  const guardianLinks = byStudent(await repo.guardiansOfStudents(ctx.db, ids));
  return rows.map((s) => ({
    id: s.id,
    schoolId: s.schoolId,
    externalId: s.externalId,
    firstName: s.firstName,
    lastName: s.lastName,
    grade: s.grade,
    active: s.active,
    classIds: (classLinks.get(s.id) ?? []).map((l) => l.classId),
    guardians: (guardianLinks.get(s.id) ?? []).map(({ studentId: _s, ...g }) => g),
  }));
}

export async function listStudents(
  ctx: Ctx,
  who: StaffPrincipal,
  filter: repo.StudentFilter,
  page: { limit: number; afterId?: number },
): Promise<StudentView[]> {
  const vis = await visibilityFor(ctx.db, who);
  // A class the caller cannot see filters to nothing, as ?schoolId= of another school does: it
  // must not reveal which of their own students also sit in someone else's class.
  if (filter.classId !== undefined && !(await repo.findClass(ctx.db, filter.classId, vis))) return [];
  return withLinks(ctx, vis, await repo.listStudents(ctx.db, vis, filter, page));
}

export async function getStudent(ctx: Ctx, who: StaffPrincipal, id: number): Promise<StudentView> {
  const vis = await visibilityFor(ctx.db, who);
  const row = await repo.findStudent(ctx.db, id, vis);
  if (!row) throw AppError.notFound(`Student ${id}`);
  return (await withLinks(ctx, vis, [row]))[0];
}
