/**
 * The import's set-based SQL: the staged roster (attached as `stage`, see roster-stage.ts)
 * against the main tables, inside the import's one transaction. Each statement works on a whole
 * entity at once, so no entity is ever loaded whole into memory; households, which need the
 * rule in households.ts, are loaded one school at a time.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../client';
import type { RosterCompleteness, RowError } from '../../src/families/roster/model';

const flag = (v: boolean) => (v ? 1 : 0);
const count = (tx: Tx, q: SQL) => (tx.get<{ n: number }>(q)?.n ?? 0);
const changes = (tx: Tx, q: SQL) => tx.run(q).changes;

// --- Schools -------------------------------------------------------------------------------------

export interface StagedSchool { ext: string; name: string; file: string; line: number }

export function stagedSchools(tx: Tx): StagedSchool[] {
  return tx.all<StagedSchool>(sql`SELECT ext, name, file, line FROM stage.schools ORDER BY rowid`);
}

/**
 * Records which school each school id of the file stands for. When orgs.csv is not complete
 * (a delta), a school the file only names is looked up among FamilyLine's schools; with
 * `everyReference` (an import into a given school) every name the file uses is that school.
 */
export function mapSchools(tx: Tx, ids: Map<string, number>, opts: { lookUpKnown: boolean; everyReference?: number }): Map<string, number> {
  for (const [ext, id] of ids) tx.run(sql`INSERT OR IGNORE INTO stage.school_ids VALUES (${ext}, ${id})`);
  const referenced = sql`SELECT school_ext FROM stage.students UNION SELECT school_ext FROM stage.classes`;
  if (opts.everyReference !== undefined) {
    tx.run(sql`INSERT OR IGNORE INTO stage.school_ids SELECT school_ext, ${opts.everyReference} FROM (${referenced})`);
  } else if (opts.lookUpKnown) {
    tx.run(sql`INSERT OR IGNORE INTO stage.school_ids SELECT x.external_id, x.id FROM main.schools x WHERE x.external_id IN (${referenced})`);
  }
  return new Map(tx.all<{ ext: string; id: number }>(sql`SELECT ext, id FROM stage.school_ids`).map((r) => [r.ext, r.id]));
}

// --- Students and classes ------------------------------------------------------------------------

/** How a staged entity maps onto its table: matched on external_id, each column from the stage row `s` or its school `m`. */
export interface EntityMapping {
  table: 'students' | 'classes';
  what: string;
  columns: Record<string, string>;
}

export const STUDENT_MAPPING: EntityMapping = {
  table: 'students',
  what: 'student',
  columns: { school_id: 'm.id', first_name: 's.first_name', last_name: 's.last_name', grade: 's.grade', active: 's.active' },
};
export const CLASS_MAPPING: EntityMapping = {
  table: 'classes',
  what: 'class',
  columns: { school_id: 'm.id', title: 's.title', grades: 's.grades', subjects: 's.subjects', active: 's.active' },
};

export interface EntityCounts { created: number; updated: number; unchanged: number; deactivated: number }

/** Staged records whose school is not among the import's schools: rejected rows. */
export function outsideSchools(tx: Tx, e: EntityMapping, knownLookedUp: boolean): RowError[] {
  const where = knownLookedUp ? 'neither in the file nor in FamilyLine' : 'not in the file';
  return tx
    .all<{ ext: string; school_ext: string; file: string; line: number }>(
      sql`SELECT s.ext, s.school_ext, s.file, s.line FROM ${sql.raw(`stage.${e.table}`)} s
          WHERE NOT EXISTS (SELECT 1 FROM stage.school_ids m WHERE m.ext = s.school_ext) ORDER BY s.rowid`,
    )
    .map((r) => ({ file: r.file, line: r.line, kind: 'unknown_reference', reason: `${e.what} ${r.ext}: school "${r.school_ext}" is ${where}` }));
}

/**
 * Brings a table in line with its staged records: new ones inserted (not when the file already
 * marks them inactive), changed ones updated, and, when the file is complete, active rows of the
 * import's schools that the file no longer holds deactivated. Never deleted: history stays.
 */
export function syncEntity(tx: Tx, e: EntityMapping, now: string, complete: boolean): EntityCounts {
  const table = sql.raw(`main.${e.table}`);
  const staged = sql.raw(`stage.${e.table} s JOIN stage.school_ids m ON m.ext = s.school_ext`);
  const cols = Object.entries(e.columns);
  const differs = sql.raw(cols.map(([c, v]) => `x.${c} IS NOT ${v}`).join(' OR '));
  const deactivating = sql.raw('x.active = 1 AND s.active = 0');
  const counts = tx.get<EntityCounts>(sql`
    SELECT coalesce(sum(x.id IS NULL AND s.active = 1), 0) AS created,
           coalesce(sum(x.id IS NOT NULL AND (${differs}) AND NOT (${deactivating})), 0) AS updated,
           coalesce(sum(x.id IS NOT NULL AND NOT (${differs})), 0) AS unchanged,
           coalesce(sum(x.id IS NOT NULL AND (${differs}) AND ${deactivating}), 0) AS deactivated
    FROM ${staged} LEFT JOIN ${table} x ON x.external_id = s.ext`)!;
  const set = sql.raw(cols.map(([c, v]) => `${c} = ${v}`).join(', '));
  tx.run(sql`UPDATE ${table} AS x SET ${set}, updated_at = ${now} FROM ${staged} WHERE x.external_id = s.ext AND (${differs})`);
  tx.run(sql`
    INSERT INTO ${table} (external_id, ${sql.raw(cols.map(([c]) => c).join(', '))}, created_at, updated_at)
    SELECT s.ext, ${sql.raw(cols.map(([, v]) => v).join(', '))}, ${now}, ${now} FROM ${staged}
    WHERE s.active = 1 AND NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.external_id = s.ext) ORDER BY s.rowid`);
  if (complete) {
    counts.deactivated += changes(
      tx,
      sql`UPDATE ${table} AS x SET active = 0, updated_at = ${now}
          WHERE x.active = 1 AND x.external_id IS NOT NULL AND x.school_id IN (SELECT id FROM stage.school_ids)
            AND NOT EXISTS (SELECT 1 FROM ${staged} WHERE s.ext = x.external_id)`,
    );
  }
  return counts;
}

// --- Teachers ------------------------------------------------------------------------------------

export interface StagedTeacher { ext: string; email: string; first_name: string; last_name: string; schools: string; active: number; file: string; line: number }

/** Teachers are a few per hundred students: read whole, as the staff sync needs them. */
export function stagedTeachers(tx: Tx): StagedTeacher[] {
  return tx.all<StagedTeacher>(sql`SELECT * FROM stage.teachers ORDER BY rowid`);
}

// --- Enrollments and class teachers --------------------------------------------------------------

export interface PairCounts { added: number; removed: number; unchanged: number }

/**
 * Enrollments resolved to ids: a class or person the file holds, or, for an entity the file
 * does not describe whole, one FamilyLine already has. People the file marks inactive simply
 * have no enrollments; that is not an error.
 */
function resolvedEnrollments(open: { classes: boolean; users: boolean }, active: boolean): SQL {
  const inFileClass = sql`EXISTS (SELECT 1 FROM stage.classes sc JOIN stage.school_ids m ON m.ext = sc.school_ext WHERE sc.ext = e.class_ext)`;
  const inFileStudent = sql`EXISTS (SELECT 1 FROM stage.students ss JOIN stage.school_ids m ON m.ext = ss.school_ext WHERE ss.ext = e.user_ext)`;
  const inFileTeacher = sql`EXISTS (SELECT 1 FROM stage.teachers t WHERE t.ext = e.user_ext)`;
  return sql`
    SELECT e.file, e.line, e.class_ext, e.user_ext, e.role, c.id AS class_id, coalesce(st.id, sf.id) AS user_id
    FROM stage.enrollments e
    LEFT JOIN main.classes c ON c.external_id = e.class_ext AND (${flag(open.classes)} OR ${inFileClass})
    LEFT JOIN main.students st ON e.role = 'student' AND st.external_id = e.user_ext AND (${flag(open.users)} OR ${inFileStudent})
    LEFT JOIN main.staff sf ON e.role = 'teacher' AND sf.external_id = e.user_ext AND (${flag(open.users)} OR ${inFileTeacher})
    WHERE ${active ? sql`e.active = 1
      AND NOT EXISTS (SELECT 1 FROM stage.students x WHERE x.ext = e.user_ext AND x.active = 0)
      AND NOT EXISTS (SELECT 1 FROM stage.teachers x WHERE x.ext = e.user_ext AND x.active = 0)` : sql`e.active = 0`}`;
}

/**
 * Class rosters and class teachers. An enrollment the file marks tobedeleted is removed. When
 * enrollments.csv is complete, the classes the file holds also lose the enrollments it no longer
 * lists; a delta removes only what it marks.
 */
export function syncEnrollments(
  tx: Tx,
  complete: RosterCompleteness,
): { students: PairCounts; teachers: PairCounts; errors: RowError[] } {
  const open = { classes: !complete.classes, users: !complete.students };
  const resolved = resolvedEnrollments(open, true);
  tx.run(sql`INSERT OR IGNORE INTO stage.ended_enrollments SELECT role, class_id, user_id FROM (${resolvedEnrollments(open, false)})
    WHERE class_id IS NOT NULL AND user_id IS NOT NULL`);
  const errors = tx
    .all<{ file: string; line: number; class_ext: string; user_ext: string; role: string; class_id: number | null }>(
      sql`SELECT * FROM (${resolved}) WHERE class_id IS NULL OR user_id IS NULL ORDER BY file, line`,
    )
    .map((r): RowError => {
      const missing = r.class_id === null ? `class "${r.class_ext}"` : `${r.role} "${r.user_ext}"`;
      const where = (r.class_id === null ? open.classes : open.users) ? 'neither the file nor FamilyLine holds' : 'the file does not hold';
      return { file: r.file, line: r.line, kind: 'unknown_reference', reason: `enrollment refers to ${missing}, which ${where}` };
    });
  tx.run(sql`INSERT OR IGNORE INTO stage.want_enrollments SELECT class_id, user_id FROM (${resolved}) WHERE role = 'student' AND class_id IS NOT NULL AND user_id IS NOT NULL`);
  tx.run(sql`INSERT OR IGNORE INTO stage.want_teachers SELECT class_id, user_id FROM (${resolved}) WHERE role = 'teacher' AND class_id IS NOT NULL AND user_id IS NOT NULL`);
  const fileClasses = sql`SELECT c.id FROM stage.classes sc JOIN stage.school_ids m ON m.ext = sc.school_ext JOIN main.classes c ON c.external_id = sc.ext`;
  const pairs = (table: 'enrollments' | 'class_teachers', want: string, col: 'student_id' | 'staff_id', role: 'student' | 'teacher'): PairCounts => {
    const main = sql.raw(`main.${table}`);
    const w = sql.raw(`stage.${want}`);
    const c = sql.raw(col);
    const notWanted = sql`NOT EXISTS (SELECT 1 FROM ${w} w WHERE w.class_id = x.class_id AND w.${c} = x.${c})`;
    let removed = changes(tx, sql`DELETE FROM ${main} AS x WHERE ${notWanted}
      AND EXISTS (SELECT 1 FROM stage.ended_enrollments d WHERE d.role = ${role} AND d.class_id = x.class_id AND d.user_id = x.${c})`);
    if (complete.enrollments) removed += changes(tx, sql`DELETE FROM ${main} AS x WHERE x.class_id IN (${fileClasses}) AND ${notWanted}`);
    const wanted = count(tx, sql`SELECT count(*) AS n FROM ${w}`);
    const added = changes(tx, sql`INSERT INTO ${main} (class_id, ${c}) SELECT w.class_id, w.${c} FROM ${w} w
      WHERE NOT EXISTS (SELECT 1 FROM ${main} x WHERE x.class_id = w.class_id AND x.${c} = w.${c})`);
    return { added, removed, unchanged: wanted - added };
  };
  return {
    students: pairs('enrollments', 'want_enrollments', 'student_id', 'student'),
    teachers: pairs('class_teachers', 'want_teachers', 'staff_id', 'teacher'),
    errors,
  };
}

// --- Guardians and households --------------------------------------------------------------------

/**
 * Guardian–student links resolved to a school and a student: a person the file holds, or, for
 * a delta, one FamilyLine already has. Returns the links that resolve to neither, as row errors.
 */
export function resolveLinks(tx: Tx, complete: RosterCompleteness): RowError[] {
  const studentsOpen = flag(!complete.students);
  const guardiansOpen = flag(!complete.guardians);
  const knownGuardian = sql`EXISTS (SELECT 1 FROM main.guardians dg WHERE dg.external_id = l.guardian_ext AND dg.school_id = coalesce(m.id, st.school_id))`;
  tx.run(sql`
    INSERT INTO stage.resolved_links
    SELECT l.student_ext, l.guardian_ext, l.relationship, l.may_contact, l.file, l.line,
           coalesce(m.id, st.school_id), st.id, CASE WHEN fs.ext IS NOT NULL THEN fs.active ELSE st.active END, g.ext IS NOT NULL
    FROM stage.links l
    LEFT JOIN stage.students fs ON fs.ext = l.student_ext
    LEFT JOIN stage.school_ids m ON m.ext = fs.school_ext
    LEFT JOIN main.students st ON st.external_id = l.student_ext
    LEFT JOIN stage.guardians g ON g.ext = l.guardian_ext
    WHERE (m.id IS NOT NULL OR (fs.ext IS NULL AND ${studentsOpen} AND st.id IS NOT NULL))
      AND (g.ext IS NOT NULL OR (${guardiansOpen} AND ${knownGuardian}))
    ORDER BY l.rowid`);
  const where = (open: number) => (open ? 'in the file or in FamilyLine' : 'in the file');
  return tx
    .all<{ file: string; line: number; student_ext: string; guardian_ext: string; guardian_known: number }>(sql`
      SELECT l.file, l.line, l.student_ext, l.guardian_ext,
             EXISTS (SELECT 1 FROM stage.guardians g WHERE g.ext = l.guardian_ext)
               OR (${guardiansOpen} AND EXISTS (SELECT 1 FROM main.guardians dg WHERE dg.external_id = l.guardian_ext)) AS guardian_known
      FROM stage.links l
      WHERE NOT EXISTS (SELECT 1 FROM stage.resolved_links r WHERE r.student_ext = l.student_ext AND r.guardian_ext = l.guardian_ext)
      ORDER BY l.rowid`)
    .map((r) => ({
      file: r.file,
      line: r.line,
      kind: 'unknown_reference',
      reason: `link between guardian "${r.guardian_ext}" and student "${r.student_ext}": ${r.guardian_known ? `no such student ${where(studentsOpen)}` : `no such guardian ${where(guardiansOpen)}`}`,
    }));
}

export interface StagedGuardianRow {
  ext: string; first_name: string; last_name: string; phone: string | null; language: string | null; household: string | null;
  relationship: string | null; active: number; file: string; line: number;
}

/** Active guardians the file holds that are linked to no student (nor, for a delta, known to FamilyLine). */
export function unlinkedGuardians(tx: Tx, complete: RosterCompleteness): StagedGuardianRow[] {
  return tx.all<StagedGuardianRow>(sql`
    SELECT g.* FROM stage.guardians g
    WHERE g.active = 1 AND NOT EXISTS (SELECT 1 FROM stage.resolved_links r WHERE r.guardian_ext = g.ext)
      AND (${flag(complete.guardians)} OR NOT EXISTS (SELECT 1 FROM main.guardians dg WHERE dg.external_id = g.ext))
    ORDER BY g.rowid`);
}

export interface SchoolLinkRow extends StagedGuardianRow {
  student_ext: string;
  student_id: number;
  link_relationship: string | null;
  link_may_contact: number;
}

/** The file's guardians of one school with their links to its active students, in file order. */
export function fileGuardiansOf(tx: Tx, schoolId: number): SchoolLinkRow[] {
  return tx.all<SchoolLinkRow>(sql`
    SELECT g.*, r.student_ext, r.student_id, r.relationship AS link_relationship, r.may_contact AS link_may_contact
    FROM stage.resolved_links r JOIN stage.guardians g ON g.ext = r.guardian_ext
    WHERE r.school_id = ${schoolId} AND r.student_active = 1 ORDER BY r.rowid`);
}

/** Links the file gives to guardians it does not hold (a delta): FamilyLine's guardians of the school. */
export function fileLinksOfKnownGuardians(tx: Tx, schoolId: number): { guardian_ext: string; student_ext: string; student_id: number; relationship: string | null; may_contact: number }[] {
  return tx.all(sql`
    SELECT guardian_ext, student_ext, student_id, relationship, may_contact FROM stage.resolved_links
    WHERE school_id = ${schoolId} AND student_active = 1 AND guardian_in_file = 0 ORDER BY rowid`);
}

/**
 * Every active student of the school's guardians, in any school: for "the same children". A delta
 * holds only some of a guardian's links, so the ones FamilyLine has count too.
 */
export function childrenOfSchoolGuardians(tx: Tx, schoolId: number, complete: RosterCompleteness): { guardian_ext: string; student_ext: string }[] {
  if (complete.guardians) {
    return tx.all(sql`
      SELECT DISTINCT r.guardian_ext, r.student_ext FROM stage.resolved_links r
      WHERE r.student_active = 1 AND r.guardian_ext IN (SELECT guardian_ext FROM stage.resolved_links WHERE school_id = ${schoolId})`);
  }
  const schoolGuardians = sql`SELECT guardian_ext FROM stage.resolved_links WHERE school_id = ${schoolId}
    UNION SELECT external_id FROM main.guardians WHERE school_id = ${schoolId} AND active = 1 AND external_id IS NOT NULL`;
  return tx.all(sql`
    SELECT r.guardian_ext, r.student_ext FROM stage.resolved_links r
    WHERE r.student_active = 1 AND r.guardian_ext IN (${schoolGuardians})
    UNION
    SELECT dg.external_id, s.external_id FROM main.guardians dg
    JOIN main.student_guardians sg ON sg.guardian_id = dg.id JOIN main.students s ON s.id = sg.student_id
    WHERE dg.active = 1 AND s.active = 1 AND s.external_id IS NOT NULL AND dg.external_id IN (${schoolGuardians})`);
}

/**
 * Schools where FamilyLine has guardians the file holds: a delta may carry a guardian and none of
 * their children. Only the import's own schools: a parent of two schools keeps the other's record.
 */
export function schoolsOfKnownGuardians(tx: Tx): number[] {
  return tx
    .all<{ id: number }>(sql`SELECT DISTINCT dg.school_id AS id FROM main.guardians dg JOIN stage.guardians g ON g.ext = dg.external_id
      WHERE dg.school_id IN (SELECT id FROM stage.scope)`)
    .map((r) => r.id);
}

/** Stored guardians of the school the file marks inactive. */
export function inactiveInFile(tx: Tx, schoolId: number): Set<string> {
  return new Set(
    tx.all<{ ext: string }>(sql`
      SELECT g.ext FROM stage.guardians g JOIN main.guardians dg ON dg.external_id = g.ext
      WHERE g.active = 0 AND dg.school_id = ${schoolId}`).map((r) => r.ext),
  );
}

export interface KnownGuardianRow extends Omit<StagedGuardianRow, 'file' | 'line'> {
  /** 1 when the file holds this guardian: the other columns are then the file's. */
  in_file: number;
  /** 1 when the file names this guardian here: holds them, gives them a link, or holds one of their students. */
  named: number;
  file: string | null;
  line: number | null;
}

/**
 * The school's guardians FamilyLine has (for a delta): they take part in working out
 * households, as the file now gives them where it holds them, else as stored (with their
 * household id and first number), and say whether the file names them.
 */
export function knownGuardiansOf(tx: Tx, schoolId: number): KnownGuardianRow[] {
  return tx.all<KnownGuardianRow>(sql`
    SELECT dg.external_id AS ext, g.ext IS NOT NULL AS in_file,
           CASE WHEN g.ext IS NULL THEN dg.first_name ELSE g.first_name END AS first_name,
           CASE WHEN g.ext IS NULL THEN dg.last_name ELSE g.last_name END AS last_name,
           CASE WHEN g.ext IS NULL THEN (SELECT p.number FROM main.phones p WHERE p.guardian_id = dg.id ORDER BY p.id LIMIT 1) ELSE g.phone END AS phone,
           CASE WHEN g.ext IS NULL THEN dg.language ELSE g.language END AS language,
           CASE WHEN g.ext IS NULL THEN f.external_id ELSE g.household END AS household,
           CASE WHEN g.ext IS NULL THEN dg.relationship ELSE g.relationship END AS relationship,
           CASE WHEN g.ext IS NULL THEN 1 ELSE g.active END AS active,
           g.ext IS NOT NULL
             OR EXISTS (SELECT 1 FROM stage.resolved_links r WHERE r.guardian_ext = dg.external_id AND r.school_id = dg.school_id)
             OR EXISTS (SELECT 1 FROM main.student_guardians sg JOIN main.students s ON s.id = sg.student_id
                        JOIN stage.students ss ON ss.ext = s.external_id WHERE sg.guardian_id = dg.id) AS named,
           g.file, g.line
    FROM main.guardians dg JOIN main.families f ON f.id = dg.family_id LEFT JOIN stage.guardians g ON g.ext = dg.external_id
    WHERE dg.school_id = ${schoolId} AND dg.active = 1 AND dg.external_id IS NOT NULL
    ORDER BY dg.id`);
}

/** Stored links of the school's guardians to active students, by guardian external id. */
export function knownLinksOf(tx: Tx, schoolId: number): { guardian_ext: string; student_ext: string; student_id: number; relationship: string | null; may_contact: number }[] {
  return tx.all(sql`
    SELECT dg.external_id AS guardian_ext, s.external_id AS student_ext, s.id AS student_id, sg.relationship, sg.may_contact
    FROM main.student_guardians sg JOIN main.guardians dg ON dg.id = sg.guardian_id JOIN main.students s ON s.id = sg.student_id
    WHERE dg.school_id = ${schoolId} AND dg.active = 1 AND dg.external_id IS NOT NULL AND s.active = 1 AND s.external_id IS NOT NULL
    ORDER BY sg.rowid`);
}
