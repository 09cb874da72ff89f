import { AppError } from '../errors';
import { isoNow } from '../lib/clock';
import { parseProgressCsv, type ProgressCsvError } from '../nudges/progress-csv';
import type { ProgressInput } from '../nudges/progress-input';
import { findStudent, visibleStudents, visibleStudentsByExternalId } from '../../db/repositories/classes';
import * as repo from '../../db/repositories/progress';
import { findSchool, type Visibility } from '../../db/repositories/schools';
import { cliVisibility, visibilityFor, withinSchool, type StaffPrincipal } from './scope';
import type { Ctx } from './schools';

/**
 * Progress records from the API, a CSV import and the console's upload, for the students the
 * caller may see (scope.ts: a teacher, the students of their classes; an admin, their school).
 * A student outside that reach is a 404 in the API and a rejected row in a file, never a write.
 */

export type ProgressRecordRow = repo.ProgressRecordRow;

export interface ProgressItem extends ProgressInput {
  studentId: number;
}

/** Stores API records all together or not at all: a hidden or unknown student is a 404 for the request. */
export async function recordProgress(ctx: Ctx, who: StaffPrincipal, items: ProgressItem[]): Promise<repo.ImportOutcome> {
  const vis = await visibilityFor(ctx.db, who);
  const students = new Map((await visibleStudents(ctx.db, items.map((i) => i.studentId), vis)).map((s) => [s.id, s]));
  const hidden = items.find((i) => !students.has(i.studentId));
  if (hidden) throw AppError.notFound(`Student ${hidden.studentId}`);
  return repo.storeImportedProgress(
    ctx.db,
    items.map((i) => ({ studentId: i.studentId, schoolId: students.get(i.studentId)!.schoolId, week: i.week, kind: i.kind, value: i.value, source: 'api', staffId: who.id })),
    isoNow(ctx.clock),
  );
}

export interface ProgressImportReport {
  /** Data rows in the file (the header not counted). */
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Each rejected row, by line (the header is line 1). */
  errors: ProgressCsvError[];
}

/** Who runs an import: a staff member, or the CLI with the database's own rights. */
export type ImportActor = { who: StaffPrincipal } | { cli: true };

/**
 * A CSV of progress (src/nudges/progress-csv.ts). The rows that check out are stored in one
 * transaction and the rest are reported by line, so one bad cell does not hold back a school's
 * export; the same file again (or again after fixing the bad rows) adds nothing twice, since each
 * (student, week, kind) is one record that a new value replaces. A file with no good row at all
 * is a 400 listing every line.
 */
export async function importProgress(ctx: Ctx, actor: ImportActor, csv: string, opts: { schoolId?: number } = {}): Promise<ProgressImportReport> {
  let vis: Visibility;
  if ('who' in actor) {
    vis = await visibilityFor(ctx.db, actor.who);
    if (opts.schoolId !== undefined && !(await findSchool(ctx.db, opts.schoolId, vis))) throw AppError.notFound(`School ${opts.schoolId}`);
    vis = withinSchool(vis, opts.schoolId);
  } else {
    if (opts.schoolId !== undefined && !(await findSchool(ctx.db, opts.schoolId))) throw AppError.notFound(`School ${opts.schoolId}`);
    vis = cliVisibility(opts.schoolId);
  }
  const parsed = parseProgressCsv(csv);
  const errors = [...parsed.errors];
  const students = new Map((await visibleStudentsByExternalId(ctx.db, parsed.rows.map((r) => r.externalId), vis)).map((s) => [s.externalId!, s]));
  const seen = new Map<string, number>();
  const good: repo.ImportedProgress[] = [];
  for (const row of parsed.rows) {
    const student = students.get(row.externalId);
    if (!student) {
      errors.push({ line: row.line, reason: `student_id "${row.externalId}" is not a student you can reach${opts.schoolId !== undefined ? ' in this school' : ''} (use the roster's student id)` });
      continue;
    }
    const key = `${student.id}|${row.record.week}|${row.record.kind}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({ line: row.line, reason: `repeats line ${earlier} (the same student, week and kind); only line ${earlier} was kept` });
      continue;
    }
    seen.set(key, row.line);
    good.push({ studentId: student.id, schoolId: student.schoolId, ...row.record, source: 'csv', staffId: 'who' in actor ? actor.who.id : null });
  }
  errors.sort((a, b) => a.line - b.line);
  if (!good.length) {
    throw AppError.validation(Object.fromEntries(errors.slice(0, 100).map((e) => [`csv.line ${e.line}`, e.reason])), 'The CSV holds no progress record that can be stored; nothing was stored');
  }
  const outcome = await repo.storeImportedProgress(ctx.db, good, isoNow(ctx.clock));
  return { rows: parsed.rows.length + parsed.errors.length, created: outcome.created, updated: outcome.updated, unchanged: outcome.unchanged, rejected: errors.length, errors };
}

/** A student's records, newest week first; a student the caller may not see is a 404. */
export async function studentProgress(ctx: Ctx, who: StaffPrincipal, studentId: number, page: { limit: number; after?: [string, number] }): Promise<ProgressRecordRow[]> {
  if (!(await findStudent(ctx.db, studentId, await visibilityFor(ctx.db, who)))) throw AppError.notFound(`Student ${studentId}`);
  return repo.progressOfStudent(ctx.db, studentId, page);
}
