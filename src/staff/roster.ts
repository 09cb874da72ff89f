import { AppError } from '../errors';
import * as repo from '../../db/repositories/classes';
import { visibilityFor, type StaffPrincipal } from './scope';
import type { Ctx } from './schools';

/** Classes and students as staff see them: read-only here, the roster import writes them. */

export interface ClassView {
  id: number;
  schoolId: number;
  externalId: string | null;
  title: string;
  grades: string[];
  subjects: string[];
  active: boolean;
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

function classView(c: repo.ClassRow): ClassView {
  return {
    id: c.id,
    schoolId: c.schoolId,
    externalId: c.externalId,
    title: c.title,
    grades: listField(c.grades, true),
    subjects: listField(c.subjects, false),
    active: c.active,
  };
}

export async function listClasses(ctx: Ctx, who: StaffPrincipal, page: { limit: number; afterId?: number; schoolId?: number }): Promise<ClassView[]> {
  return (await repo.listClasses(ctx.db, await visibilityFor(ctx.db, who), page)).map(classView);
}

export async function getClass(ctx: Ctx, who: StaffPrincipal, id: number): Promise<ClassDetail> {
  const row = await repo.findClass(ctx.db, id, await visibilityFor(ctx.db, who));
  if (!row) throw AppError.notFound(`Class ${id}`);
  const [teachers, students] = await Promise.all([repo.teachersOfClass(ctx.db, id), repo.studentsOfClass(ctx.db, id)]);
  const links = await repo.guardiansOfStudents(
    ctx.db,
    students.map((s) => s.id),
  );
  // Only families that may be texted about the child: a no-contact household is not one to open.
  const familiesOf = (studentId: number) => [...new Set(links.filter((l) => l.studentId === studentId && l.mayContact).map((l) => l.familyId))].sort((a, b) => a - b);
  return {
    ...classView(row),
    teachers,
    students: students.map((s) => ({ id: s.id, firstName: s.firstName, lastName: s.lastName, grade: s.grade, familyIds: familiesOf(s.id) })),
  };
}

async function withLinks(ctx: Ctx, vis: Awaited<ReturnType<typeof visibilityFor>>, rows: repo.StudentRow[]): Promise<StudentView[]> {
  const ids = rows.map((s) => s.id);
  const [classLinks, guardianLinks] = await Promise.all([repo.classIdsOfStudents(ctx.db, ids, vis), repo.guardiansOfStudents(ctx.db, ids)]);
  return rows.map((s) => ({
    id: s.id,
    schoolId: s.schoolId,
    externalId: s.externalId,
    firstName: s.firstName,
    lastName: s.lastName,
    grade: s.grade,
    active: s.active,
    classIds: classLinks.filter((l) => l.studentId === s.id).map((l) => l.classId),
    guardians: guardianLinks.filter((g) => g.studentId === s.id).map(({ studentId: _s, ...g }) => g),
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
