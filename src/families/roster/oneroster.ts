/**
 * A OneRoster 1.1 CSV bundle → a staged roster (see db/repositories/roster-stage.ts). Decisions where the spec leaves room:
 * - manifest.csv decides which files are read: "absent" is not read even when present, "delta"
 *   marks the entity incomplete, "bulk" (or "delta") for a missing file fails the import. With
 *   no manifest, or no row for a file, a present file counts as bulk and a missing one as absent.
 * - Only role teacher becomes a teacher (aides, counselors, administrators are not imported:
 *   a district that wants an aide to text families gives them role teacher). Enrollments with
 *   roles other than student/teacher are skipped quietly.
 * - A student's grade is the first usable code in `grades`; without one, the grade of their
 *   first class that has one; without that, the student is a row error and skipped.
 * - `metadata.mayContact` (or `metadata.may_contact`) false on a guardian applies to every link
 *   of that guardian: OneRoster 1.1 has no per-pair flag.
 * - In a delta file, references to users or classes not in the file are kept: they may
 *   already be in FamilyLine. In bulk files they are row errors.
 */
import type { Readable } from 'node:stream';
import { readCsv, type CsvRow } from './csv';
import { isActiveStatus, rosterGrade, sortGrades, splitList } from './fields';
import type { RosterStage } from '../../../db/repositories/roster-stage';
import type { ImportMeter } from './limits';
import { RosterFileError, RosterLimitError, type StagedRoster } from './model';
import { readUsers } from './oneroster-users';
import { Rejections, type RejectKind } from './report';

/** A folder or a zip, seen as CSV files by name. */
export interface Bundle {
  /** The actual name of a file, looked up case-insensitively ("users.csv" → "Users.csv"), or null. */
  find(name: string): string | null;
  open(name: string): Promise<Readable>;
}

type Mode = 'bulk' | 'delta' | 'absent';
const FILES = ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments'] as const;
type Entity = (typeof FILES)[number];

export async function parseOneRoster(bundle: Bundle, stage: RosterStage, meter: ImportMeter): Promise<StagedRoster> {
  const errors = new Rejections();
  const modes = await readManifest(bundle, errors, meter);
  const fileOf = (entity: Entity) => bundle.find(`${entity}.csv`) ?? `${entity}.csv`;
  async function* rows(entity: Entity, required: string[], sink = errors): AsyncGenerator<CsvRow> {
    if (modes[entity] === 'absent') return;
    yield* readCsv(await bundle.open(fileOf(entity)), { file: fileOf(entity), required, errors: sink, meter });
  }
  const duplicate = (entity: Entity, line: number, id: string, first: number) =>
    errors.push({ file: fileOf(entity), line, kind: 'duplicate', reason: `sourcedId ${id} is already used on line ${first}; this row is skipped` });

  // Orgs are few (a district and its schools): they are kept in memory.
  const orgLines = new Map<string, number>();
  const schoolIds = new Set<string>();
  for await (const row of rows('orgs', ['sourcedId', 'name', 'type'])) {
    const id = row.get('sourcedId');
    if (!id) continue;
    if (orgLines.has(id)) { duplicate('orgs', row.line, id, orgLines.get(id)!); continue; }
    orgLines.set(id, row.line);
    // Districts and other org types only group schools; families belong to schools.
    if (row.get('type').toLowerCase() !== 'school') continue;
    schoolIds.add(id);
    stage.addSchool({ externalId: id, name: row.get('name') || id, src: { file: fileOf('orgs'), line: row.line } });
  }
  const orgsComplete = modes.orgs === 'bulk';
  const isSchool = (id: string) => schoolIds.has(id) || (!orgsComplete && !orgLines.has(id));

  await readSessions(rows, errors);

  // Course titles only stand in for a class without one; a district has hundreds, not thousands.
  const courseTitles = new Map<string, string>();
  for await (const row of rows('courses', ['sourcedId', 'title'])) courseTitles.set(row.get('sourcedId'), row.get('title'));

  for await (const row of rows('classes', ['sourcedId', 'schoolSourcedId'])) {
    const id = row.get('sourcedId');
    const school = row.get('schoolSourcedId');
    if (!id) continue;
    if (!isSchool(school)) {
      errors.push({ file: fileOf('classes'), line: row.line, kind: 'unknown_reference', reason: `class ${id} names school ${school}, which is not a school in orgs.csv; skipped` });
      continue;
    }
    const title = row.get('title') || courseTitles.get(row.get('courseSourcedId')) || row.get('classCode') || id;
    const grades = sortGrades(splitList(row.get('grades')).map(rosterGrade).filter((g): g is NonNullable<typeof g> => g !== null));
    const first = stage.addClass({
      externalId: id, schoolExternalId: school, title, grades,
      subjects: splitList(row.get('subjects')), active: isActiveStatus(row.get('status')),
      src: { file: fileOf('classes'), line: row.line },
    });
    if (first) duplicate('classes', row.line, id, first.src.line);
  }
  courseTitles.clear();

  await readUsers(rows('users', ['sourcedId', 'role', 'givenName', 'familyName']), stage, {
    file: fileOf('users'), errors, complete: modes.users === 'bulk',
    schoolsOf: (ids) => ids.filter(isSchool),
  });

  const enrollmentsFile = fileOf('enrollments');
  for await (const row of rows('enrollments', ['classSourcedId', 'userSourcedId', 'role'])) {
    const cell = row.get('role').toLowerCase();
    if (cell !== 'student' && cell !== 'teacher') continue;
    const role = cell === 'student' ? 'student' : 'teacher';
    const classId = row.get('classSourcedId');
    const userId = row.get('userSourcedId');
    const fail = (kind: RejectKind, reason: string) => errors.push({ file: enrollmentsFile, line: row.line, kind, reason });
    const user = stage.user(userId);
    if (user?.rejected) continue;
    if (modes.classes === 'bulk' && !stage.hasClass(classId)) { fail('unknown_reference', `class ${classId} is not in classes.csv; enrollment skipped`); continue; }
    if (user === undefined && modes.users === 'bulk') { fail('unknown_reference', `user ${userId} is not in users.csv; enrollment skipped`); continue; }
    if (user !== undefined && user.role !== role) { fail('conflict', `user ${userId} is enrolled as ${role} but is a ${user.role} in users.csv; enrollment skipped`); continue; }
    stage.addEnrollment({ classExternalId: classId, userExternalId: userId, role, active: isActiveStatus(row.get('status')), src: { file: enrollmentsFile, line: row.line } });
  }

  for (const s of stage.gradeFromClasses()) {
    errors.push({ ...s.src, kind: 'grade', reason: `student ${s.externalId} (${s.firstName} ${s.lastName}) has no grade FamilyLine can use (PK, KG, 01–12), in users.csv or from a class; skipped` });
  }

  const usersComplete = modes.users === 'bulk';
  return {
    format: 'oneroster',
    stage,
    errors,
    complete: {
      schools: orgsComplete,
      students: usersComplete, guardians: usersComplete, teachers: usersComplete,
      classes: modes.classes === 'bulk', enrollments: modes.enrollments === 'bulk',
    },
  };
}

async function readManifest(bundle: Bundle, errors: Rejections, meter: ImportMeter): Promise<Record<Entity, Mode>> {
  const declared = new Map<string, Mode>();
  const manifest = bundle.find('manifest.csv');
  if (manifest) {
    for await (const row of readCsv(await bundle.open(manifest), { file: manifest, required: ['propertyName', 'value'], errors, meter })) {
      const m = /^file\.(.+)$/i.exec(row.get('propertyName'));
      if (!m) continue;
      const value = row.get('value').toLowerCase();
      if (value !== 'bulk' && value !== 'delta' && value !== 'absent') {
        throw new RosterFileError(`${manifest} line ${row.line}: ${row.get('propertyName')} is "${row.get('value')}"; it must be bulk, delta or absent.`, manifest);
      }
      declared.set(m[1].toLowerCase(), value);
    }
  }
  const modes = {} as Record<Entity, Mode>;
  for (const entity of FILES) {
    const present = bundle.find(`${entity}.csv`) !== null;
    const mode = declared.get(entity.toLowerCase()) ?? (present ? 'bulk' : 'absent');
    if (mode !== 'absent' && !present) {
      throw new RosterFileError(`manifest.csv says ${entity}.csv is "${mode}", but the export has no ${entity}.csv. Export it again with all its files.`, `${entity}.csv`);
    }
    modes[entity] = mode;
  }
  return modes;
}

/**
 * Sessions are not used; a broken academicSessions.csv is reported but does not stop the import,
 * unless it is past a limit: that stops any import.
 */
async function readSessions(rows: (e: Entity, r: string[], sink: Rejections) => AsyncGenerator<CsvRow>, errors: Rejections): Promise<void> {
  const own = new Rejections();
  try {
    for await (const _ of rows('academicSessions', [], own)) void _;
    errors.merge(own);
  } catch (err) {
    if (!(err instanceof RosterFileError) || err instanceof RosterLimitError) throw err;
    errors.push({ file: err.file, line: 1, kind: 'unreadable_file', reason: `${err.message} FamilyLine does not use academic sessions, so the import goes on.` });
  }
}
