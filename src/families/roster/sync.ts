import type { Tx } from '../../../db/client';
import * as repo from '../../../db/repositories/roster';
import { AppError } from '../../errors';
import type { RosterSnapshot, RowError, Source } from './model';
import { emptyReport, type ImportReport } from './report';
import { byKey, deactivateMissing, diffPairs, PairSet, planUpsert, writePlan } from './upsert';
import { syncHouseholds } from './sync-households';

export interface SyncOptions {
  /** Import into this existing school (a file with one school). */
  schoolId?: number;
  /** For schools the import creates. */
  timezone: string;
  from: string | null;
  now: string;
  /** Mark the families this import adds for a welcome text. */
  welcome: boolean;
}

export interface SyncResult {
  report: ImportReport;
  /** Families this import created: they get a welcome text. */
  newFamilyIds: number[];
}

/** Writes a roster snapshot: a sync, not an append. Runs inside the import's one transaction. */
export function syncRoster(tx: Tx, snap: RosterSnapshot, opts: SyncOptions, dryRun: boolean): SyncResult {
  const report = emptyReport(snap.format, dryRun, snap.errors);
  const reject = (e: RowError) => report.errors.push(e);
  const schoolIdByExt = syncSchools(tx, snap, opts, report);
  const schoolIds = [...new Set(schoolIdByExt.values())];
  const studentIdByExt = syncStudents(tx, snap, opts, schoolIdByExt, schoolIds, report, reject);
  const teacherIdByExt = syncTeachers(tx, snap, opts, schoolIdByExt, schoolIds, report);
  syncClasses(tx, snap, opts, schoolIdByExt, schoolIds, studentIdByExt, teacherIdByExt, report, reject);
  const newFamilyIds = syncHouseholds(tx, snap, opts, schoolIdByExt, studentIdByExt, report, reject);
  report.errors.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return { report, newFamilyIds };
}

function syncSchools(tx: Tx, snap: RosterSnapshot, opts: SyncOptions, report: ImportReport): Map<string, number> {
  const existing = repo.allSchools(tx);
  const out = new Map<string, number>();
  if (opts.schoolId !== undefined) {
    const school = existing.find((s) => s.id === opts.schoolId);
    if (!school) throw AppError.notFound(`School ${opts.schoolId}`);
    if (snap.schools.length > 1) {
      throw AppError.validation({ school: `the file holds ${snap.schools.length} schools` }, `--school was given but the file holds ${snap.schools.length} schools`);
    }
    for (const s of snap.schools) out.set(s.externalId, school.id);
    report.schools.unchanged++;
    return out;
  }
  const byExt = byKey(existing, (s) => s.externalId);
  const plan = planUpsert(
    byExt,
    snap.schools.map((s) => ({ key: s.externalId, values: { externalId: s.externalId, name: s.name } })),
    report.schools,
  );
  const stamps = { createdAt: opts.now, updatedAt: opts.now };
  return writePlan(tx, repo.rosterTables.schools, plan, stamps, { timezone: opts.timezone, fromNumber: opts.from });
}

/** Records paired with their school's id; one whose school the file does not hold is a rejected row. */
function withSchool<T extends { externalId: string; schoolExternalId: string; src: Source }>(
  records: T[],
  what: string,
  schoolIdByExt: Map<string, number>,
  reject: (e: RowError) => void,
): { record: T; schoolId: number }[] {
  const out: { record: T; schoolId: number }[] = [];
  for (const record of records) {
    const schoolId = schoolIdByExt.get(record.schoolExternalId);
    if (schoolId === undefined) reject({ ...record.src, reason: `${what} ${record.externalId}: school "${record.schoolExternalId}" is not in the file` });
    else out.push({ record, schoolId });
  }
  return out;
}

function syncStudents(
  tx: Tx,
  snap: RosterSnapshot,
  opts: SyncOptions,
  schoolIdByExt: Map<string, number>,
  schoolIds: number[],
  report: ImportReport,
  reject: (e: RowError) => void,
): Map<string, number> {
  const incoming = withSchool(snap.students, 'student', schoolIdByExt, reject).map(({ record: s, schoolId }) => {
    const { firstName, lastName, grade, active, externalId } = s;
    return { key: externalId, values: { externalId, schoolId, firstName, lastName, grade, active } };
  });
  const existing = repo.allStudents(tx);
  const plan = planUpsert(byKey(existing, (s) => s.externalId), incoming, report.students);
  writePlan(tx, repo.rosterTables.students, plan, { createdAt: opts.now, updatedAt: opts.now });
  if (snap.complete.students) {
    const missing = (s: repo.StudentRow) => s.externalId !== null && schoolIds.includes(s.schoolId) && !plan.ids.has(s.externalId);
    deactivateMissing(tx, repo.rosterTables.students, existing, missing, { updatedAt: opts.now }, report.students);
  }
  return plan.ids;
}

function syncTeachers(
  tx: Tx,
  snap: RosterSnapshot,
  opts: SyncOptions,
  schoolIdByExt: Map<string, number>,
  schoolIds: number[],
  report: ImportReport,
): Map<string, number> {
  const existing = repo.allStaff(tx);
  const byEmail = byKey(existing, (s) => s.email);
  const incoming = snap.teachers.map((t) => {
    const email = t.email.trim().toLowerCase();
    const current = byEmail.get(email);
    const schoolId = current?.schoolId ?? t.schoolExternalIds.map((x) => schoolIdByExt.get(x)).find((x) => x !== undefined) ?? null;
    // An admin who also teaches keeps their role; the roster only ever adds teachers.
    const role = current?.role ?? ('teacher' as const);
    return { key: email, values: { email, name: `${t.firstName} ${t.lastName}`.trim(), externalId: t.externalId, role, schoolId, active: t.active } };
  });
  const plan = planUpsert(byEmail, incoming, report.teachers);
  writePlan(tx, repo.rosterTables.staff, plan, { createdAt: opts.now });
  const byExt = new Map(incoming.filter((i) => plan.ids.has(i.key)).map((i) => [i.values.externalId, plan.ids.get(i.key)!]));
  if (snap.complete.teachers) {
    const missing = (s: repo.StaffRow) =>
      s.role === 'teacher' && s.externalId !== null && s.schoolId !== null && schoolIds.includes(s.schoolId) && !byExt.has(s.externalId);
    deactivateMissing(tx, repo.rosterTables.staff, existing, missing, {}, report.teachers);
  }
  return byExt;
}

function syncClasses(
  tx: Tx,
  snap: RosterSnapshot,
  opts: SyncOptions,
  schoolIdByExt: Map<string, number>,
  schoolIds: number[],
  studentIdByExt: Map<string, number>,
  teacherIdByExt: Map<string, number>,
  report: ImportReport,
  reject: (e: RowError) => void,
): void {
  const incoming = withSchool(snap.classes, 'class', schoolIdByExt, reject).map(({ record: c, schoolId }) => ({
    key: c.externalId,
    values: { externalId: c.externalId, schoolId, title: c.title, grades: c.grades.join(' '), subjects: JSON.stringify(c.subjects), active: c.active },
  }));
  const existing = repo.allClasses(tx);
  const plan = planUpsert(byKey(existing, (c) => c.externalId), incoming, report.classes);
  writePlan(tx, repo.rosterTables.classes, plan, { createdAt: opts.now, updatedAt: opts.now });
  const classIds = new Set(plan.ids.values());
  if (snap.complete.classes) {
    const missing = (c: repo.ClassRow) => c.externalId !== null && schoolIds.includes(c.schoolId) && !plan.ids.has(c.externalId);
    deactivateMissing(tx, repo.rosterTables.classes, existing, missing, { updatedAt: opts.now }, report.classes);
  }

  const wantStudents: [number, number][] = [];
  const wantTeachers: [number, number][] = [];
  // People the file itself marks inactive simply have no enrollments; that is not an error.
  const inactive = new Set([...snap.students, ...snap.teachers].filter((p) => !p.active).map((p) => p.externalId));
  for (const e of snap.enrollments) {
    if (!e.active || inactive.has(e.userExternalId)) continue;
    const classId = plan.ids.get(e.classExternalId);
    const userId = (e.role === 'student' ? studentIdByExt : teacherIdByExt).get(e.userExternalId);
    if (classId === undefined || userId === undefined) {
      const missing = classId === undefined ? `class "${e.classExternalId}"` : `${e.role} "${e.userExternalId}"`;
      reject({ ...e.src, reason: `enrollment refers to ${missing}, which the file does not hold` });
      continue;
    }
    (e.role === 'student' ? wantStudents : wantTeachers).push([classId, userId]);
  }
  // Only classes this file describes are re-linked; a delta file only adds links.
  const removeMissing = snap.complete.enrollments;
  const storedStudents = repo.enrollmentPairs(tx).filter((p) => classIds.has(p.classId)).map((p): [number, number] => [p.classId, p.studentId]);
  const storedTeachers = repo.classTeacherPairs(tx).filter((p) => classIds.has(p.classId)).map((p): [number, number] => [p.classId, p.staffId]);
  const students = diffPairs(storedStudents, dedupe(wantStudents), report.enrollments, removeMissing);
  const teachers = diffPairs(storedTeachers, dedupe(wantTeachers), report.classTeachers, removeMissing);
  repo.deletePairs(tx, 'enrollments', students.remove);
  repo.insertLinks(tx, repo.rosterTables.enrollments, students.add.map(([classId, studentId]) => ({ classId, studentId })));
  repo.deletePairs(tx, 'classTeachers', teachers.remove);
  repo.insertLinks(tx, repo.rosterTables.classTeachers, teachers.add.map(([classId, staffId]) => ({ classId, staffId })));
}

function dedupe(pairs: [number, number][]): [number, number][] {
  const seen = new PairSet();
  return pairs.filter((p) => seen.add(p));
}
