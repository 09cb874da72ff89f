/**
 * Where a roster import may act (DESIGN.md, "Roster import"): only inside the schools of its
 * scope, and only on teacher accounts. This is the one place that holds the rule. Before the
 * sync writes anything, every staged row that names another school's student, class, guardian
 * or teacher, or an admin account, is reported and taken out of the stage (see
 * roster-stage-tables.ts); a row that only refers to one (a link, an enrollment) goes with it. So
 * each later lookup of "one FamilyLine already has" can only find something inside the scope,
 * and households are worked out only in the scope's schools (schoolsOfKnownGuardians reads
 * the staged `scope`), so a parent of two schools keeps the other school's record as it was.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../client';
import { rawRows, rawRun } from '../dialects/raw';
import type { RowError } from '../../src/families/roster/model';
import { staged, truth } from './roster-sync';

/** Why a row reaches outside the import, as the report says it; the staged `outside.why` holds the key. */
const OUTSIDE_SCOPE = {
  other_school: 'belongs to another school',
  admin_account: 'is an admin account, which a roster import never changes',
} as const;
type Why = keyof typeof OUTSIDE_SCOPE;

/** What the report calls a staged row of each kind (`r`), and its table; each is matched on `ext`. */
const ENTITIES = {
  student: { table: 'students', subject: `'student ' || r.ext` },
  class: { table: 'classes', subject: `'class ' || r.ext` },
  teacher: { table: 'teachers', subject: `'teacher ' || r.ext || ' (' || r.email || ')'` },
  guardian: { table: 'guardians', subject: `'guardian ' || r.ext` },
};
type Kind = keyof typeof ENTITIES;

/**
 * Fills the staged `scope` with the import's schools (for the district, every school, once the
 * file's own are created) and rejects every staged row that reaches outside them. Returns the
 * rejections.
 */
export async function keepInsideScope(tx: Tx, schoolId: number | null): Promise<RowError[]> {
  // A district-wide import acts in every school: only admin accounts are outside it.
  const districtWide = schoolId === null;
  const scope = staged('scope');
  const outsideTable = staged('outside');
  const enrollments = staged('enrollments');
  await rawRun(tx, districtWide
    ? sql`INSERT INTO ${scope} SELECT id FROM schools WHERE true ON CONFLICT DO NOTHING`
    : sql`INSERT INTO ${scope} VALUES (${schoolId}) ON CONFLICT DO NOTHING`);
  const outsideSchool = (column: string): SQL =>
    districtWide ? truth(false) : sql`coalesce(${sql.raw(column)} NOT IN (SELECT id FROM ${scope}), true)`;
  const outside = (kind: Kind, rows: SQL) =>
    rawRun(tx, sql`INSERT INTO ${outsideTable} (kind, ext, why) SELECT ${kind}, q.ext, q.why FROM (${rows}) AS q WHERE true ON CONFLICT DO NOTHING`);
  const any = async (kind: Kind) => (await rawRows(tx, sql`SELECT 1 AS found FROM ${outsideTable} WHERE kind = ${kind} LIMIT 1`)).length > 0;
  const otherSchool: Why = 'other_school';
  const adminAccount: Why = 'admin_account';

  // Students and classes by external id, wherever the file names one.
  const stored = (table: string, names: SQL) =>
    sql`SELECT x.external_id AS ext, ${otherSchool} AS why FROM ${sql.raw(table)} x WHERE ${outsideSchool('x.school_id')} AND x.external_id IN (${names})`;
  if (!districtWide) {
    await outside('student', stored('students', sql`SELECT ext FROM ${staged('students')} UNION SELECT student_ext FROM ${staged('links')}
      UNION SELECT user_ext FROM ${enrollments} WHERE role = 'student'`));
    await outside('class', stored('classes', sql`SELECT ext FROM ${staged('classes')} UNION SELECT class_ext FROM ${enrollments}`));
  }
  // Staff accounts by email (how the sync matches a teacher) and by id (how an enrollment finds one).
  const why = sql`CASE WHEN x.role <> 'teacher' THEN ${adminAccount} ELSE ${otherSchool} END`;
  const notOurs = sql`(x.role <> 'teacher' OR ${outsideSchool('x.school_id')})`;
  await outside('teacher', sql`SELECT t.ext, ${why} AS why FROM ${staged('teachers')} t JOIN staff x ON x.email = t.email WHERE ${notOurs}`);
  await outside('teacher', sql`SELECT x.external_id AS ext, ${why} AS why FROM staff x
    WHERE ${notOurs} AND x.external_id IN (SELECT ext FROM ${staged('teachers')} UNION SELECT user_ext FROM ${enrollments} WHERE role = 'teacher')`);

  const rejected: RowError[] = [];
  /** `rows` gives each rejected row's place, what it names (`subject`) and `why`; `remove` takes them out of the stage. */
  const reject = async (rows: SQL, remove: SQL) => {
    for (const r of await rawRows<{ file: string; line: number; subject: string; why: Why }>(tx, rows)) {
      rejected.push({ file: r.file, line: r.line, kind: r.why, reason: `${r.subject} ${OUTSIDE_SCOPE[r.why]}` });
    }
    await rawRun(tx, remove);
  };
  const rejectRows = async (kind: Kind) => {
    if (!(await any(kind))) return;
    const table = staged(ENTITIES[kind].table);
    await reject(
      sql`SELECT r.file, r.line, ${sql.raw(ENTITIES[kind].subject)} AS subject, o.why FROM ${table} r
          JOIN ${outsideTable} o ON o.kind = ${kind} AND o.ext = r.ext ORDER BY r.rowid`,
      sql`DELETE FROM ${table} WHERE ext IN (SELECT ext FROM ${outsideTable} WHERE kind = ${kind})`,
    );
  };
  await rejectRows('student');
  await rejectRows('class');
  await rejectRows('teacher');
  if (await any('student')) {
    const links = staged('links');
    await reject(
      sql`SELECT r.file, r.line, 'link between guardian "' || r.guardian_ext || '" and student "' || r.student_ext || '": student ' || r.student_ext AS subject, o.why
          FROM ${links} r JOIN ${outsideTable} o ON o.kind = 'student' AND o.ext = r.student_ext ORDER BY r.rowid`,
      sql`DELETE FROM ${links} WHERE student_ext IN (SELECT ext FROM ${outsideTable} WHERE kind = 'student')`,
    );
  }
  // Guardians are kept per school, so one id may be a parent in two schools. The file's guardian
  // is another school's when FamilyLine has them only outside the scope and the file links them
  // to no child inside it (the links left now point inside, or nowhere FamilyLine knows).
  if (!districtWide) {
    await outside('guardian', sql`SELECT r.ext, ${otherSchool} AS why FROM ${staged('guardians')} r
      WHERE NOT EXISTS (SELECT 1 FROM ${staged('links')} l WHERE l.guardian_ext = r.ext)
        AND EXISTS (SELECT 1 FROM guardians x WHERE x.external_id = r.ext)
        AND NOT EXISTS (SELECT 1 FROM guardians x WHERE x.external_id = r.ext AND NOT ${outsideSchool('x.school_id')})`);
  }
  await rejectRows('guardian');
  if ((await any('class')) || (await any('student')) || (await any('teacher'))) {
    const named = sql`FROM ${enrollments} r
      LEFT JOIN ${outsideTable} c ON c.kind = 'class' AND c.ext = r.class_ext
      LEFT JOIN ${outsideTable} u ON u.kind = r.role AND u.ext = r.user_ext
      WHERE c.ext IS NOT NULL OR u.ext IS NOT NULL`;
    await reject(
      sql`SELECT r.file, r.line, 'enrollment of ' || r.role || ' ' || r.user_ext || ' in class ' || r.class_ext || ': ' ||
            CASE WHEN c.ext IS NOT NULL THEN 'class ' || r.class_ext ELSE r.role || ' ' || r.user_ext END AS subject,
            coalesce(c.why, u.why) AS why
          ${named} ORDER BY r.rowid`,
      sql`DELETE FROM ${enrollments} WHERE rowid IN (SELECT r.rowid ${named})`,
    );
  }
  return rejected;
}
