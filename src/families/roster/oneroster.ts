/**
 * A OneRoster 1.1 CSV bundle → RosterSnapshot. Decisions where the spec leaves room:
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
import { RosterFileError, type RosterClass, type RosterEnrollment, type RosterSchool, type RosterSnapshot, type RowError } from './model';
import { readUsers } from './oneroster-users';

/** A folder or a zip, seen as CSV files by name. */
export interface Bundle {
  /** The actual name of a file, looked up case-insensitively ("users.csv" → "Users.csv"), or null. */
  find(name: string): string | null;
  open(name: string): Promise<Readable>;
}

type Mode = 'bulk' | 'delta' | 'absent';
const FILES = ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'enrollments'] as const;
type Entity = (typeof FILES)[number];

export async function parseOneRoster(bundle: Bundle): Promise<RosterSnapshot> {
  const errors: RowError[] = [];
  const modes = await readManifest(bundle, errors);
  const fileOf = (entity: Entity) => bundle.find(`${entity}.csv`) ?? `${entity}.csv`;
  async function* rows(entity: Entity, required: string[]): AsyncGenerator<CsvRow> {
    if (modes[entity] === 'absent') return;
    yield* readCsv(await bundle.open(fileOf(entity)), { file: fileOf(entity), required, errors });
  }
  const firstSeen = new Map<string, number>(); // `${file}:${id}` → line, to report duplicates
  const duplicate = (row: CsvRow, entity: Entity, id: string): boolean => {
    const seen = firstSeen.get(`${entity}:${id}`);
    if (seen === undefined) { firstSeen.set(`${entity}:${id}`, row.line); return false; }
    errors.push({ file: fileOf(entity), line: row.line, reason: `sourcedId ${id} is already used on line ${seen}; this row is skipped` });
    return true;
  };

  const schools: RosterSchool[] = [];
  const otherOrgs = new Set<string>();
  for await (const row of rows('orgs', ['sourcedId', 'name', 'type'])) {
    const id = row.get('sourcedId');
    if (!id || duplicate(row, 'orgs', id)) continue;
    // Districts and other org types only group schools; families belong to schools.
    if (row.get('type').toLowerCase() === 'school') schools.push({ externalId: id, name: row.get('name') || id, src: { file: fileOf('orgs'), line: row.line } });
    else otherOrgs.add(id);
  }
  const schoolIds = new Set(schools.map((s) => s.externalId));
  const orgsComplete = modes.orgs === 'bulk';
  const isSchool = (id: string) => schoolIds.has(id) || (!orgsComplete && !otherOrgs.has(id));

  await readSessions(rows, errors);

  const courseTitles = new Map<string, string>();
  for await (const row of rows('courses', ['sourcedId', 'title'])) courseTitles.set(row.get('sourcedId'), row.get('title'));

  const classes = new Map<string, RosterClass>();
  for await (const row of rows('classes', ['sourcedId', 'schoolSourcedId'])) {
    const id = row.get('sourcedId');
    const school = row.get('schoolSourcedId');
    if (!id || duplicate(row, 'classes', id)) continue;
    if (!isSchool(school)) {
      errors.push({ file: fileOf('classes'), line: row.line, reason: `class ${id} names school ${school}, which is not a school in orgs.csv; skipped` });
      continue;
    }
    const title = row.get('title') || courseTitles.get(row.get('courseSourcedId')) || row.get('classCode') || id;
    const grades = sortGrades(splitList(row.get('grades')).map(rosterGrade).filter((g): g is NonNullable<typeof g> => g !== null));
    classes.set(id, {
      externalId: id, schoolExternalId: school, title, grades,
      subjects: splitList(row.get('subjects')), active: isActiveStatus(row.get('status')),
      src: { file: fileOf('classes'), line: row.line },
    });
  }

  const users = await readUsers(rows('users', ['sourcedId', 'role', 'givenName', 'familyName']), {
    file: fileOf('users'), errors, complete: modes.users === 'bulk',
    schoolsOf: (ids) => ids.filter(isSchool),
  });

  const enrollments: RosterEnrollment[] = [];
  // Ids as the users and classes already hold them: an enrollment keeps no copies of its own.
  const teacherIds = new Map(users.teachers.map((t) => [t.externalId, t.externalId]));
  const internUser = (id: string, role: 'student' | 'teacher') =>
    (role === 'student' ? users.students.get(id)?.externalId : teacherIds.get(id)) ?? id;
  /** Enrollments kept so far, by user: a user has a handful, so a duplicate is found by a short scan. */
  const byUser = new Map<string, RosterEnrollment[]>();
  const enrollmentsFile = fileOf('enrollments');
  for await (const row of rows('enrollments', ['classSourcedId', 'userSourcedId', 'role'])) {
    const cell = row.get('role').toLowerCase();
    if (cell !== 'student' && cell !== 'teacher') continue;
    const role = cell === 'student' ? 'student' : 'teacher';
    const classCell = row.get('classSourcedId');
    const userCell = row.get('userSourcedId');
    const fail = (reason: string) => errors.push({ file: enrollmentsFile, line: row.line, reason });
    if (users.rejected.has(userCell)) continue;
    const userRole = users.role.get(userCell);
    const known = classes.get(classCell);
    if (!known && modes.classes === 'bulk') { fail(`class ${classCell} is not in classes.csv; enrollment skipped`); continue; }
    if (userRole === undefined && modes.users === 'bulk') { fail(`user ${userCell} is not in users.csv; enrollment skipped`); continue; }
    if (userRole !== undefined && userRole !== role) { fail(`user ${userCell} is enrolled as ${role} but is a ${userRole} in users.csv; enrollment skipped`); continue; }
    const classId = known?.externalId ?? classCell;
    const userId = internUser(userCell, role);
    const mine = byUser.get(userId);
    if (mine?.some((e) => e.classExternalId === classId && e.role === role)) continue;
    const enrollment: RosterEnrollment = { classExternalId: classId, userExternalId: userId, role, active: isActiveStatus(row.get('status')), src: { file: enrollmentsFile, line: row.line } };
    if (mine) mine.push(enrollment);
    else byUser.set(userId, [enrollment]);
    enrollments.push(enrollment);
  }
  byUser.clear();

  // A student without a usable grade takes the grade of the first class of theirs that has one.
  for (const e of enrollments) {
    const student = users.students.get(e.userExternalId);
    const grade = classes.get(e.classExternalId)?.grades[0];
    if (e.role === 'student' && student && users.gradeless.has(student.externalId) && grade) {
      student.grade = grade;
      users.gradeless.delete(student.externalId);
    }
  }
  for (const id of users.gradeless) {
    const s = users.students.get(id)!;
    errors.push({ ...s.src, reason: `student ${id} (${s.firstName} ${s.lastName}) has no grade FamilyLine can use (PK, KG, 01–12), in users.csv or from a class; skipped` });
    users.students.delete(id);
  }
  const keep = (id: string) => !users.gradeless.has(id);

  // The report reads file by file, top to bottom, whatever order the checks ran in.
  const order = (file: string) => FILES.findIndex((e) => fileOf(e) === file);
  errors.sort((a, b) => order(a.file) - order(b.file) || a.line - b.line);
  return {
    format: 'oneroster',
    schools,
    students: [...users.students.values()],
    guardians: [...users.guardians.values()],
    links: users.links.filter((l) => keep(l.studentExternalId)),
    teachers: users.teachers,
    classes: [...classes.values()],
    enrollments: enrollments.filter((e) => keep(e.userExternalId)),
    errors,
    complete: {
      students: modes.users === 'bulk', guardians: modes.users === 'bulk', teachers: modes.users === 'bulk',
      classes: modes.classes === 'bulk', enrollments: modes.enrollments === 'bulk',
    },
  };
}

async function readManifest(bundle: Bundle, errors: RowError[]): Promise<Record<Entity, Mode>> {
  const declared = new Map<string, Mode>();
  const manifest = bundle.find('manifest.csv');
  if (manifest) {
    for await (const row of readCsv(await bundle.open(manifest), { file: manifest, required: ['propertyName', 'value'], errors })) {
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

/** Sessions are not used; a broken academicSessions.csv is reported but does not stop the import. */
async function readSessions(rows: (e: Entity, r: string[]) => AsyncGenerator<CsvRow>, errors: RowError[]): Promise<void> {
  const mark = errors.length;
  try {
    for await (const _ of rows('academicSessions', [])) void _;
  } catch (err) {
    if (!(err instanceof RosterFileError)) throw err;
    errors.splice(mark);
    errors.push({ file: err.file, line: 1, reason: `${err.message} FamilyLine does not use academic sessions, so the import goes on.` });
  }
}
