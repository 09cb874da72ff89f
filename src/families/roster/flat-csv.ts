/**
 * The flat roster (docs/roster-flat-csv.md): one row per student–guardian pair, for schools
 * without OneRoster. The same student or guardian appears on several rows; the first row that
 * names them wins, and a later row that disagrees is reported, while the rest of that row (a
 * class, another guardian, a link) still imports. The file is the whole roster, so every
 * entity is complete.
 */
import type { Readable } from 'node:stream';
import { readCsv, type CsvRow } from './csv';
import { languageCell, mayContactCell, phoneKey, rosterGrade, sortGrades } from './fields';
import type { RosterStage } from '../../../db/repositories/roster-stage';
import type { ImportMeter } from './limits';
import type { RosterGuardian, RosterTeacher, Source, StagedRoster } from './model';
import { Rejections, type RejectKind } from './report';

export const FLAT_REQUIRED = [
  'student_id', 'student_first_name', 'student_last_name', 'grade', 'school',
  'guardian_id', 'guardian_first_name', 'guardian_last_name',
] as const;

export async function parseFlatCsv(input: Readable, file: string, stage: RosterStage, meter: ImportMeter): Promise<StagedRoster> {
  const errors = new Rejections();
  // Schools and teachers are few; students, guardians, links and classes go to the stage.
  const schools = new Set<string>();
  const teachers = new Map<string, RosterTeacher>();

  for await (const row of readCsv(input, { file, required: FLAT_REQUIRED, errors, meter })) {
    const src = { file, line: row.line };
    const report = (kind: RejectKind, reason: string) => errors.push({ ...src, kind, reason });
    const sid = row.get('student_id');
    const empty = ['student_id', 'student_first_name', 'student_last_name', 'grade', 'school'].filter((c) => !row.get(c));
    if (empty.length) { report('missing', `${empty.join(', ')} ${empty.length > 1 ? 'are' : 'is'} empty; the row is skipped`); continue; }
    const grade = rosterGrade(row.get('grade'));
    if (!grade) { report('grade', `grade "${row.get('grade')}" is not PK, K or 1–12; the row is skipped`); continue; }
    const schoolKey = row.get('school');
    if (!schools.has(schoolKey)) {
      schools.add(schoolKey);
      stage.addSchool({ externalId: schoolKey, name: schoolKey, src });
    }

    const student = { externalId: sid, schoolExternalId: schoolKey, firstName: row.get('student_first_name'), lastName: row.get('student_last_name'), grade, active: true, src };
    if (!stage.addStudent(student)) {
      const known = stage.student(sid)!;
      const diff = differences(known, student, ['firstName', 'lastName', 'grade', 'schoolExternalId']);
      if (diff) report('conflict', `student ${sid}: ${diff} differs from line ${known.src.line}; line ${known.src.line} is kept`);
    }

    const classTitle = row.get('class');
    const classId = classTitle ? `${schoolKey}/${classTitle}` : null;
    if (classId) {
      // Grades are filled in at the end, from the students enrolled.
      stage.addClass({ externalId: classId, schoolExternalId: schoolKey, title: classTitle, grades: [], subjects: [], active: true, src });
      stage.addEnrollment({ classExternalId: classId, userExternalId: sid, role: 'student', active: true, src });
    }
    const teacher = readTeacher(row, teachers, schoolKey, src, report);
    if (teacher && classId) stage.addEnrollment({ classExternalId: classId, userExternalId: teacher.externalId, role: 'teacher', active: true, src });

    const guardianId = row.get('guardian_id');
    if (!guardianId) {
      // A student with no guardian yet is a row with the guardian columns left empty.
      if (row.get('guardian_first_name') || row.get('guardian_last_name')) report('missing', 'guardian_id is empty, so the guardian on this row is skipped');
      continue;
    }
    if (!readGuardian(row, stage, src, report)) continue;
    const flag = mayContactCell(row.get('may_contact'));
    if (flag.problem) report('unreadable_value', flag.problem);
    // Any row saying "no contact" for the pair wins: a repeated row must never lift an order.
    stage.mergeLink({ studentExternalId: sid, guardianExternalId: guardianId, relationship: row.get('relationship') || null, mayContact: flag.mayContact, src });
  }

  for (const t of teachers.values()) stage.addTeacher(t);
  for (const { classExt, grades } of stage.enrolledGrades()) stage.setClassGrades(classExt, sortGrades(grades));
  return {
    format: 'flat',
    stage,
    errors,
    complete: { schools: true, students: true, guardians: true, teachers: true, classes: true, enrollments: true },
  };
}

/** The guardian on a row: added the first time, compared with the first record after that. False when skipped. */
type Report = (kind: RejectKind, reason: string) => void;

function readGuardian(row: CsvRow, stage: RosterStage, src: Source, report: Report): boolean {
  const id = row.get('guardian_id');
  const lang = languageCell(row.get('guardian_language'));
  const candidate: RosterGuardian = {
    externalId: id, firstName: row.get('guardian_first_name'), lastName: row.get('guardian_last_name'),
    phone: row.get('guardian_phone') || null, language: lang.language, household: row.get('household_id') || null,
    relationship: row.get('relationship') || null, active: true, src,
  };
  const known = stage.guardian(id);
  if (known) {
    // Rows after the first may leave the guardian's details empty; only a different value is a conflict.
    const diff = differences(known, candidate, ['firstName', 'lastName', 'phone', 'language', 'household'], true);
    if (diff) report('conflict', `guardian ${id}: ${diff} differs from line ${known.src.line}; line ${known.src.line} is kept`);
    return true;
  }
  if (lang.problem) report('unreadable_value', `guardian ${id}: ${lang.problem}`);
  if (!candidate.firstName && !candidate.lastName) { report('missing', `guardian ${id} has no name; the guardian is skipped`); return false; }
  stage.addGuardian(candidate);
  return true;
}

function readTeacher(row: CsvRow, teachers: Map<string, RosterTeacher>, school: string, src: Source, report: Report): RosterTeacher | null {
  const raw = row.get('teacher_email');
  if (!raw) return null;
  const email = raw.toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) { report('unreadable_value', `teacher_email "${raw}" is not an email address; no teacher is added for this row`); return null; }
  let t = teachers.get(email);
  if (!t) {
    // The flat file has no teacher names; the email's local part ("maria.lopez") is the best guess until they sign in.
    const [first = '', ...rest] = email.split('@')[0].split(/[._-]+/).filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1));
    teachers.set(email, (t = { externalId: email, email, firstName: first, lastName: rest.join(' '), schoolExternalIds: [], active: true, src }));
  }
  if (!t.schoolExternalIds.includes(school)) t.schoolExternalIds.push(school);
  return t;
}

/** "first name, grade" for the fields whose values differ (phones compared by digits). */
function differences<T extends object>(a: T, b: T, fields: (keyof T)[], ignoreEmpty = false): string {
  const norm = (f: keyof T, v: unknown) => (f === 'phone' && typeof v === 'string' ? phoneKey(v) : String(v ?? '').toLowerCase());
  return fields
    .filter((f) => !(ignoreEmpty && (b[f] === null || b[f] === '')) && norm(f, a[f]) !== norm(f, b[f]))
    .map((f) => `${String(f).replace(/([A-Z])/g, ' $1').toLowerCase()} "${String(b[f] ?? '')}"`)
    .join(', ');
}
