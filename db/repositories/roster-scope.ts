/**
 * Where a roster import may act (DESIGN.md, "Roster import"): only inside the schools of its
 * scope, and only on teacher accounts. This is the one place that holds the rule. Before the
 * sync writes anything, every staged row that names another school's student, class, guardian
 * or teacher, or an admin account, is reported and taken out of the stage (attached as `stage`,
 * see roster-stage.ts); a row that only refers to one (a link, an enrollment) goes with it. So
 * each later lookup of "one FamilyLine already has" can only find something inside the scope,
 * and households are worked out only in the scope's schools (schoolsOfKnownGuardians reads
 * `stage.scope`), so a parent of two schools keeps the other school's record as it was.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../client';
import type { RowError } from '../../src/families/roster/model';

/** Why a row reaches outside the import, as the report says it; `stage.outside.why` holds the key. */
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
 * Fills `stage.scope` with the import's schools (for the district, every school, once the file's
 * own are created) and rejects every staged row that reaches outside them. Returns the rejections.
 */
export function keepInsideScope(tx: Tx, schoolId: number | null): RowError[] {
  // A district-wide import acts in every school: only admin accounts are outside it.
  const districtWide = schoolId === null;
  tx.run(districtWide ? sql`INSERT OR IGNORE INTO stage.scope SELECT id FROM main.schools` : sql`INSERT OR IGNORE INTO stage.scope VALUES (${schoolId})`);
  const outsideSchool = (column: string): SQL =>
    districtWide ? sql`0` : sql`coalesce(${sql.raw(column)} NOT IN (SELECT id FROM stage.scope), 1)`;
  const outside = (kind: Kind, rows: SQL) => tx.run(sql`INSERT OR IGNORE INTO stage.outside (kind, ext, why) SELECT ${kind}, ext, why FROM (${rows})`);
  const any = (kind: Kind) => tx.get(sql`SELECT 1 AS found FROM stage.outside WHERE kind = ${kind} LIMIT 1`) !== undefined;
  const otherSchool: Why = 'other_school';
  const adminAccount: Why = 'admin_account';

  // Students and classes by external id, wherever the file names one.
  const stored = (table: string, names: string) =>
    sql`SELECT x.external_id AS ext, ${otherSchool} AS why FROM ${sql.raw(`main.${table}`)} x WHERE ${outsideSchool('x.school_id')} AND x.external_id IN (${sql.raw(names)})`;
  if (!districtWide) {
    outside('student', stored('students', `SELECT ext FROM stage.students UNION SELECT student_ext FROM stage.links UNION SELECT user_ext FROM stage.enrollments WHERE role = 'student'`));
    outside('class', stored('classes', `SELECT ext FROM stage.classes UNION SELECT class_ext FROM stage.enrollments`));
  }
  // Staff accounts by email (how the sync matches a teacher) and by id (how an enrollment finds one).
  const why = sql`CASE WHEN x.role <> 'teacher' THEN ${adminAccount} ELSE ${otherSchool} END`;
  const notOurs = sql`(x.role <> 'teacher' OR ${outsideSchool('x.school_id')})`;
  outside('teacher', sql`SELECT t.ext, ${why} AS why FROM stage.teachers t JOIN main.staff x ON x.email = t.email WHERE ${notOurs}`);
  outside('teacher', sql`SELECT x.external_id AS ext, ${why} AS why FROM main.staff x
    WHERE ${notOurs} AND x.external_id IN (SELECT ext FROM stage.teachers UNION SELECT user_ext FROM stage.enrollments WHERE role = 'teacher')`);

  const rejected: RowError[] = [];
  /** `rows` gives each rejected row's place, what it names (`subject`) and `why`; `remove` takes them out of the stage. */
  const reject = (rows: SQL, remove: SQL) => {
    for (const r of tx.all<{ file: string; line: number; subject: string; why: Why }>(rows)) {
      rejected.push({ file: r.file, line: r.line, kind: r.why, reason: `${r.subject} ${OUTSIDE_SCOPE[r.why]}` });
    }
    tx.run(remove);
  };
  const rejectRows = (kind: Kind) => {
    if (!any(kind)) return;
    const table = sql.raw(`stage.${ENTITIES[kind].table}`);
    reject(
      sql`SELECT r.file, r.line, ${sql.raw(ENTITIES[kind].subject)} AS subject, o.why FROM ${table} r
          JOIN stage.outside o ON o.kind = ${kind} AND o.ext = r.ext ORDER BY r.rowid`,
      sql`DELETE FROM ${table} WHERE ext IN (SELECT ext FROM stage.outside WHERE kind = ${kind})`,
    );
  };
  rejectRows('student');
  rejectRows('class');
  rejectRows('teacher');
  if (any('student')) {
    reject(
      sql`SELECT r.file, r.line, 'link between guardian "' || r.guardian_ext || '" and student "' || r.student_ext || '": student ' || r.student_ext AS subject, o.why
          FROM stage.links r JOIN stage.outside o ON o.kind = 'student' AND o.ext = r.student_ext ORDER BY r.rowid`,
      sql`DELETE FROM stage.links WHERE student_ext IN (SELECT ext FROM stage.outside WHERE kind = 'student')`,
    );
  }
  // Guardians are kept per school, so one id may be a parent in two schools. The file's guardian
  // is another school's when FamilyLine has them only outside the scope and the file links them
  // to no child inside it (the links left now point inside, or nowhere FamilyLine knows).
  if (!districtWide) {
    outside('guardian', sql`SELECT r.ext, ${otherSchool} AS why FROM stage.guardians r JOIN main.guardians x ON x.external_id = r.ext
      WHERE NOT EXISTS (SELECT 1 FROM stage.links l WHERE l.guardian_ext = r.ext)
      GROUP BY r.ext HAVING min(${outsideSchool('x.school_id')}) = 1`);
  }
  rejectRows('guardian');
  if (any('class') || any('student') || any('teacher')) {
    const named = sql`FROM stage.enrollments r
      LEFT JOIN stage.outside c ON c.kind = 'class' AND c.ext = r.class_ext
      LEFT JOIN stage.outside u ON u.kind = r.role AND u.ext = r.user_ext
      WHERE c.ext IS NOT NULL OR u.ext IS NOT NULL`;
    reject(
      sql`SELECT r.file, r.line, 'enrollment of ' || r.role || ' ' || r.user_ext || ' in class ' || r.class_ext || ': ' ||
            CASE WHEN c.ext IS NOT NULL THEN 'class ' || r.class_ext ELSE r.role || ' ' || r.user_ext END AS subject,
            coalesce(c.why, u.why) AS why
          ${named} ORDER BY r.rowid`,
      sql`DELETE FROM stage.enrollments WHERE rowid IN (SELECT r.rowid ${named})`,
    );
  }
  return rejected;
}
