/**
 * Where a roster file goes while it is read: a private SQLite file per import, so a district's
 * whole export never sits in memory. The parsers write every record here as it streams past and
 * look earlier ones up by id (a duplicate, a reference, a conflict); the sync then reads it
 * inside the import's transaction (attached on SQLite, copied into temporary tables on
 * PostgreSQL: roster-transaction.ts) and works entity by entity with set-based SQL, and school
 * by school for households. Memory is bounded by the largest school, not by the file.
 *
 * The file has its own connection, no journal and no fsync: it is scratch, deleted when the
 * import ends, and rebuilt from the export if anything fails.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteStageSchema } from './roster-stage-tables';
import type {
  RosterClass,
  RosterEnrollment,
  RosterGuardian,
  RosterLink,
  RosterSchool,
  RosterStudent,
  RosterTeacher,
  RowError,
  Source,
} from '../../src/families/roster/model';

interface StudentRow { ext: string; school_ext: string; first_name: string; last_name: string; grade: string; active: number; file: string; line: number }
interface GuardianRow {
  ext: string; first_name: string; last_name: string; phone: string | null; language: string | null; household: string | null;
  relationship: string | null; active: number; may_contact: number; file: string; line: number;
}
interface ClassRow { ext: string; school_ext: string; title: string; grades: string; subjects: string; active: number; file: string; line: number }
interface TeacherRow { ext: string; email: string; first_name: string; last_name: string; schools: string; active: number; file: string; line: number }

const b = (v: boolean) => (v ? 1 : 0);
const src = (r: { file: string; line: number }): Source => ({ file: r.file, line: r.line });

export function studentOf(r: StudentRow): RosterStudent {
  return { externalId: r.ext, schoolExternalId: r.school_ext, firstName: r.first_name, lastName: r.last_name, grade: r.grade, active: r.active === 1, src: src(r) };
}
export function guardianOf(r: GuardianRow): RosterGuardian {
  return {
    externalId: r.ext, firstName: r.first_name, lastName: r.last_name, phone: r.phone, language: r.language,
    household: r.household, relationship: r.relationship, active: r.active === 1, src: src(r),
  };
}
export function classOf(r: ClassRow): RosterClass {
  return {
    externalId: r.ext, schoolExternalId: r.school_ext, title: r.title, grades: r.grades ? r.grades.split(' ') : [],
    subjects: JSON.parse(r.subjects) as string[], active: r.active === 1, src: src(r),
  };
}
export function teacherOf(r: TeacherRow): RosterTeacher {
  return {
    externalId: r.ext, email: r.email, firstName: r.first_name, lastName: r.last_name,
    schoolExternalIds: JSON.parse(r.schools) as string[], active: r.active === 1, src: src(r),
  };
}

/** Every record the stage holds, in the order the file gave them: for tests and small previews. */
export interface StagedRecords {
  schools: RosterSchool[];
  students: RosterStudent[];
  guardians: RosterGuardian[];
  links: RosterLink[];
  teachers: RosterTeacher[];
  classes: RosterClass[];
  enrollments: RosterEnrollment[];
}

/** Stages, and the copies of uploaded files imports read (src/families/roster/upload-store.ts), start with this. */
export const ROSTER_TEMP_PREFIX = 'familyline-roster-';
/** An import takes seconds to minutes; a stage this old was left by a process that died mid-import. */
const STALE_AFTER_MS = 6 * 60 * 60_000;

/** Deletes stages and upload copies that processes which died mid-import left behind; returns how many. */
export function removeStaleStages(now = Date.now(), dir = tmpdir()): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(ROSTER_TEMP_PREFIX)) continue;
    const path = join(dir, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (info && now - info.mtimeMs > STALE_AFTER_MS) {
      rmSync(path, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

export class RosterStage {
  private readonly dir: string;
  readonly path: string;
  private sqlite: Database.Database | null;
  private readonly statements = new Map<string, Database.Statement>();

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), ROSTER_TEMP_PREFIX));
    this.path = join(this.dir, 'stage.sqlite');
    this.sqlite = new Database(this.path);
    this.sqlite.pragma('journal_mode = OFF');
    this.sqlite.pragma('synchronous = OFF');
    this.sqlite.pragma('cache_size = -8000');
    this.sqlite.exec(sqliteStageSchema());
    // One transaction for all the parsing: no journal, so nothing to pay per row.
    this.sqlite.exec('BEGIN');
  }

  private run(sql: string): Database.Statement {
    if (!this.sqlite) throw new Error('the roster stage is already sealed');
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.sqlite.prepare(sql)));
    return st;
  }

  // --- Written while parsing -------------------------------------------------------------------

  addSchool(s: RosterSchool): void {
    this.run('INSERT OR IGNORE INTO schools VALUES (?, ?, ?, ?)').run(s.externalId, s.name, s.src.file, s.src.line);
  }

  /** Records a OneRoster user id; the line that used it first when it is taken already. */
  claimUser(id: string, role: string, line: number): number | null {
    if (this.run('INSERT OR IGNORE INTO users (id, role, line, rejected) VALUES (?, ?, ?, 0)').run(id, role, line).changes) return null;
    return (this.run('SELECT line FROM users WHERE id = ?').get(id) as { line: number }).line;
  }
  /** A user skipped for a reason already reported: references to them are dropped quietly. */
  rejectUser(id: string): void {
    this.run('UPDATE users SET rejected = 1 WHERE id = ?').run(id);
  }
  user(id: string): { role: string; rejected: boolean } | undefined {
    const r = this.run('SELECT role, rejected FROM users WHERE id = ?').get(id) as { role: string; rejected: number } | undefined;
    return r && { role: r.role, rejected: r.rejected === 1 };
  }

  /** False when the id is taken (the first record stays). */
  addStudent(s: RosterStudent): boolean {
    return this.run('INSERT OR IGNORE INTO students VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.externalId, s.schoolExternalId, s.firstName, s.lastName, s.grade, b(s.active), s.src.file, s.src.line).changes > 0;
  }
  student(ext: string): RosterStudent | undefined {
    const r = this.run('SELECT * FROM students WHERE ext = ?').get(ext) as StudentRow | undefined;
    return r && studentOf(r);
  }

  addGuardian(g: RosterGuardian, mayContact = true): boolean {
    return this.run('INSERT OR IGNORE INTO guardians VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(g.externalId, g.firstName, g.lastName, g.phone, g.language, g.household, g.relationship, b(g.active), b(mayContact), g.src.file, g.src.line).changes > 0;
  }
  guardian(ext: string): RosterGuardian | undefined {
    const r = this.run('SELECT * FROM guardians WHERE ext = ?').get(ext) as GuardianRow | undefined;
    return r && guardianOf(r);
  }

  /** A link as one side of it declares it (OneRoster agentSourcedIds); see resolveDeclaredLinks. */
  declareLink(studentExt: string, guardianExt: string, line: number, fromGuardian: boolean): void {
    this.run('INSERT INTO declared VALUES (?, ?, ?, ?)').run(studentExt, guardianExt, line, b(fromGuardian));
  }

  /** A link; when the pair is there already, a "no contact" on either record wins. */
  mergeLink(l: RosterLink): void {
    this.run(
      `INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (student_ext, guardian_ext) DO UPDATE SET may_contact = may_contact AND excluded.may_contact`,
    ).run(l.studentExternalId, l.guardianExternalId, l.relationship, b(l.mayContact), l.src.file, l.src.line);
  }

  /** The email is stored as staff accounts are matched on it: trimmed and lower-case. */
  addTeacher(t: RosterTeacher): void {
    this.run('INSERT OR REPLACE INTO teachers VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.externalId, t.email.trim().toLowerCase(), t.firstName, t.lastName, JSON.stringify(t.schoolExternalIds), b(t.active), t.src.file, t.src.line);
  }

  /** The class already recorded under this id, if any (the new one is then not added). */
  addClass(c: RosterClass): RosterClass | null {
    const inserted = this.run('INSERT OR IGNORE INTO classes VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(c.externalId, c.schoolExternalId, c.title, c.grades.join(' '), JSON.stringify(c.subjects), b(c.active), c.src.file, c.src.line).changes;
    return inserted ? null : classOf(this.run('SELECT * FROM classes WHERE ext = ?').get(c.externalId) as ClassRow);
  }
  hasClass(ext: string): boolean {
    return this.run('SELECT 1 FROM classes WHERE ext = ?').get(ext) !== undefined;
  }
  setClassGrades(ext: string, grades: string[]): void {
    this.run('UPDATE classes SET grades = ? WHERE ext = ?').run(grades.join(' '), ext);
  }
  /** The grades of the students enrolled in each class, from the students' own records. */
  *enrolledGrades(): Generator<{ classExt: string; grades: string[] }> {
    const rows = this.run(
      `SELECT e.class_ext, group_concat(DISTINCT s.grade) AS grades FROM enrollments e
       JOIN students s ON s.ext = e.user_ext WHERE e.role = 'student' GROUP BY e.class_ext`,
    ).all() as { class_ext: string; grades: string }[];
    for (const r of rows) yield { classExt: r.class_ext, grades: r.grades.split(',') };
  }

  /** False when the same user is already in the same class in the same role (the first row stays). */
  addEnrollment(e: RosterEnrollment): boolean {
    return this.run('INSERT OR IGNORE INTO enrollments VALUES (?, ?, ?, ?, ?, ?)')
      .run(e.classExternalId, e.userExternalId, e.role, b(e.active), e.src.file, e.src.line).changes > 0;
  }

  // --- OneRoster passes over the whole file ----------------------------------------------------

  /**
   * Declared pairs → links, each pair once. The guardian's own row is read first: it is where
   * relationship and no-contact are written. A reference to a user the file does not have is a
   * row error when users.csv is complete, and kept when it is a delta (FamilyLine may know them).
   * Agents of another kind (a parent's partner, a sibling) are not links.
   */
  resolveDeclaredLinks(file: string, complete: boolean, guardianRoles: Iterable<string>): RowError[] {
    const other = 'CASE WHEN d.from_guardian = 1 THEN d.student_ext ELSE d.guardian_ext END';
    const errors: RowError[] = [];
    if (complete) {
      const rows = this.run(
        `SELECT d.line, d.student_ext, d.guardian_ext, d.from_guardian, me.role AS role, ${other} AS other FROM declared d
         LEFT JOIN users me ON me.id = CASE WHEN d.from_guardian = 1 THEN d.guardian_ext ELSE d.student_ext END
         WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = ${other}) ORDER BY d.from_guardian DESC, d.rowid`,
      ).all() as { line: number; student_ext: string; guardian_ext: string; from_guardian: number; role: string; other: string }[];
      for (const d of rows) {
        const who = d.from_guardian ? `${d.role} ${d.guardian_ext}` : `student ${d.student_ext}`;
        errors.push({ file, line: d.line, kind: 'unknown_reference', reason: `${who} lists ${d.other} in agentSourcedIds, but users.csv has no user ${d.other}; that link is skipped` });
      }
    }
    this.run(
      `INSERT OR IGNORE INTO links
       SELECT d.student_ext, d.guardian_ext, g.relationship, coalesce(g.may_contact, 1), ?, d.line
       FROM declared d LEFT JOIN users u ON u.id = ${other} LEFT JOIN guardians g ON g.ext = d.guardian_ext
       WHERE (u.id IS NULL AND ? = 0)
          OR (u.rejected = 0 AND CASE WHEN d.from_guardian = 1 THEN u.role = 'student' ELSE u.role IN (SELECT value FROM json_each(?)) END)
       ORDER BY d.from_guardian DESC, d.rowid`,
    ).run(file, b(complete), JSON.stringify([...guardianRoles]));
    this.run('DELETE FROM declared').run();
    return errors;
  }

  /**
   * A student without a usable grade takes the first grade of the first class of theirs that
   * has one; the students still without one are returned and removed, with their links and
   * enrollments.
   */
  gradeFromClasses(): RosterStudent[] {
    this.run(
      `UPDATE students SET grade = coalesce((
         SELECT substr(c.grades || ' ', 1, instr(c.grades || ' ', ' ') - 1) FROM enrollments e JOIN classes c ON c.ext = e.class_ext
         WHERE e.user_ext = students.ext AND e.role = 'student' AND c.grades <> '' ORDER BY e.rowid LIMIT 1), '')
       WHERE grade = ''`,
    ).run();
    const gradeless = (this.run(`SELECT * FROM students WHERE grade = '' ORDER BY rowid`).all() as StudentRow[]).map(studentOf);
    if (gradeless.length) {
      this.run(`DELETE FROM links WHERE student_ext IN (SELECT ext FROM students WHERE grade = '')`).run();
      this.run(`DELETE FROM enrollments WHERE role = 'student' AND user_ext IN (SELECT ext FROM students WHERE grade = '')`).run();
      this.run(`DELETE FROM students WHERE grade = ''`).run();
    }
    return gradeless;
  }

  // --- After parsing ---------------------------------------------------------------------------

  /** Everything the stage holds, read back. Whole: only for small files (tests, previews). */
  records(): StagedRecords {
    const all = <T>(sql: string) => this.run(sql).all() as T[];
    return {
      schools: all<{ ext: string; name: string; file: string; line: number }>('SELECT * FROM schools ORDER BY rowid').map((r) => ({ externalId: r.ext, name: r.name, src: src(r) })),
      students: all<StudentRow>('SELECT * FROM students ORDER BY rowid').map(studentOf),
      guardians: all<GuardianRow>('SELECT * FROM guardians ORDER BY rowid').map(guardianOf),
      links: all<{ student_ext: string; guardian_ext: string; relationship: string | null; may_contact: number; file: string; line: number }>('SELECT * FROM links ORDER BY rowid').map((r) => ({
        studentExternalId: r.student_ext, guardianExternalId: r.guardian_ext, relationship: r.relationship, mayContact: r.may_contact === 1, src: src(r),
      })),
      teachers: all<TeacherRow>('SELECT * FROM teachers ORDER BY rowid').map(teacherOf),
      classes: all<ClassRow>('SELECT * FROM classes ORDER BY rowid').map(classOf),
      enrollments: all<{ class_ext: string; user_ext: string; role: 'student' | 'teacher'; active: number; file: string; line: number }>('SELECT * FROM enrollments ORDER BY rowid').map((r) => ({
        classExternalId: r.class_ext, userExternalId: r.user_ext, role: r.role, active: r.active === 1, src: src(r),
      })),
    };
  }

  /** Ends the writing: commits and closes the private connection so the sync can read the file. */
  seal(): void {
    if (!this.sqlite) return;
    this.sqlite.exec('COMMIT');
    this.statements.clear();
    this.sqlite.close();
    this.sqlite = null;
  }

  /**
   * One table of the sealed stage in file order, each row with its rowid and its flags as
   * booleans, in batches of `size`: what PostgreSQL copies into its temporary tables.
   */
  *batches(table: string, flags: string[], size: number): Generator<Record<string, unknown>[]> {
    this.seal();
    const reader = new Database(this.path, { readonly: true });
    try {
      let batch: Record<string, unknown>[] = [];
      for (const row of reader.prepare(`SELECT rowid, * FROM ${table} ORDER BY rowid`).iterate() as Iterable<Record<string, unknown>>) {
        for (const f of flags) row[f] = row[f] === 1;
        batch.push(row);
        if (batch.length === size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      reader.close();
    }
  }

  /** Deletes the file. Safe to call more than once. */
  dispose(): void {
    if (this.sqlite) {
      this.statements.clear();
      this.sqlite.close();
      this.sqlite = null;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
