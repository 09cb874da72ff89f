/**
 * The import's set-based SQL: the staged roster (see roster-stage-tables.ts) against the main
 * tables, inside the import's one transaction, written once for both dialects. Each statement
 * works on a whole entity at once, so no entity is ever loaded whole into memory; households,
 * which need the rule in households.ts, are loaded one school at a time.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../client';
import { dialectSql } from '../dialects/differences';
import { rawRows, rawRun } from '../dialects/raw';
import type { RosterCompleteness, RowError } from '../../src/families/roster/model';

/** A staged table by its stage name (`stage.students` on SQLite, `stage_students` on PostgreSQL). */
export const staged = (name: string): SQL => sql.raw(dialectSql().stageTable(name));
/** A constant condition, as SQL both dialects read. */
export const truth = (v: boolean): SQL => sql.raw(v ? 'true' : 'false');
/** A number bound where nothing around it tells PostgreSQL its type. */
export const int = (v: number): SQL => sql`CAST(${v} AS INTEGER)`;
/** A flag as a query returns it: SQLite's 1/0, PostgreSQL's boolean. */
export const isSet = (v: unknown): boolean => v === true || v === 1;
/** Rows counted where the condition holds. */
const countWhere = (cond: SQL) => sql`coalesce(sum(CASE WHEN ${cond} THEN 1 ELSE 0 END), 0)`;

// PostgreSQL's counts and sums are int8, which its driver hands over as text.
const count = async (tx: Tx, q: SQL) => Number((await rawRows<{ n: number | string }>(tx, q))[0]?.n ?? 0);

// --- Schools -------------------------------------------------------------------------------------

export interface StagedSchool { ext: string; name: string; file: string; line: number }

export async function stagedSchools(tx: Tx): Promise<StagedSchool[]> {
  return rawRows<StagedSchool>(tx, sql`SELECT ext, name, file, line FROM ${staged('schools')} ORDER BY rowid`);
}

/**
 * Records which school each school id of the file stands for. When orgs.csv is not complete
 * (a delta), a school the file only names is looked up among FamilyLine's schools; with
 * `everyReference` (an import into a given school) every name the file uses is that school.
 */
export async function mapSchools(tx: Tx, ids: Map<string, number>, opts: { lookUpKnown: boolean; everyReference?: number }): Promise<Map<string, number>> {
  const schoolIds = staged('school_ids');
  for (const [ext, id] of ids) await rawRun(tx, sql`INSERT INTO ${schoolIds} VALUES (${ext}, ${id}) ON CONFLICT DO NOTHING`);
  const referenced = sql`SELECT school_ext FROM ${staged('students')} UNION SELECT school_ext FROM ${staged('classes')}`;
  if (opts.everyReference !== undefined) {
    await rawRun(tx, sql`INSERT INTO ${schoolIds} SELECT q.school_ext, ${int(opts.everyReference)} FROM (${referenced}) AS q WHERE true ON CONFLICT DO NOTHING`);
  } else if (opts.lookUpKnown) {
    await rawRun(tx, sql`INSERT INTO ${schoolIds} SELECT x.external_id, x.id FROM schools x WHERE x.external_id IN (${referenced}) ON CONFLICT DO NOTHING`);
  }
  const rows = await rawRows<{ ext: string; id: number }>(tx, sql`SELECT ext, id FROM ${schoolIds}`);
  return new Map(rows.map((r) => [r.ext, r.id]));
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
export async function outsideSchools(tx: Tx, e: EntityMapping, knownLookedUp: boolean): Promise<RowError[]> {
  const where = knownLookedUp ? 'neither in the file nor in FamilyLine' : 'not in the file';
  const rows = await rawRows<{ ext: string; school_ext: string; file: string; line: number }>(
    tx,
    sql`SELECT s.ext, s.school_ext, s.file, s.line FROM ${staged(e.table)} s
        WHERE NOT EXISTS (SELECT 1 FROM ${staged('school_ids')} m WHERE m.ext = s.school_ext) ORDER BY s.rowid`,
  );
  return rows.map((r) => ({ file: r.file, line: r.line, kind: 'unknown_reference', reason: `${e.what} ${r.ext}: school "${r.school_ext}" is ${where}` }));
}

/**
 * Brings a table in line with its staged records: new ones inserted (not when the file already
 * marks them inactive), changed ones updated, and, when the file is complete, active rows of the
 * import's schools that the file no longer holds deactivated. Never deleted: history stays.
 */
export async function syncEntity(tx: Tx, e: EntityMapping, now: string, complete: boolean): Promise<EntityCounts> {
  const { distinct } = dialectSql();
  const table = sql.raw(e.table);
  const stagedRows = sql`${staged(e.table)} s JOIN ${staged('school_ids')} m ON m.ext = s.school_ext`;
  const cols = Object.entries(e.columns);
  const differs = sql.join(cols.map(([c, v]) => distinct(`x.${c}`, v)), sql` OR `);
  const deactivating = sql`x.active = true AND s.active = false`;
  const [sums] = await rawRows<Record<keyof EntityCounts, number | string>>(tx, sql`
    SELECT ${countWhere(sql`x.id IS NULL AND s.active = true`)} AS created,
           ${countWhere(sql`x.id IS NOT NULL AND (${differs}) AND NOT (${deactivating})`)} AS updated,
           ${countWhere(sql`x.id IS NOT NULL AND NOT (${differs})`)} AS unchanged,
           ${countWhere(sql`x.id IS NOT NULL AND (${differs}) AND ${deactivating}`)} AS deactivated
    FROM ${stagedRows} LEFT JOIN ${table} x ON x.external_id = s.ext`);
  const counts: EntityCounts = { created: Number(sums.created), updated: Number(sums.updated), unchanged: Number(sums.unchanged), deactivated: Number(sums.deactivated) };
  const set = sql.raw(cols.map(([c, v]) => `${c} = ${v}`).join(', '));
  await rawRun(tx, sql`UPDATE ${table} AS x SET ${set}, updated_at = ${now} FROM ${stagedRows} WHERE x.external_id = s.ext AND (${differs})`);
  await rawRun(tx, sql`
    INSERT INTO ${table} (external_id, ${sql.raw(cols.map(([c]) => c).join(', '))}, created_at, updated_at)
    SELECT s.ext, ${sql.raw(cols.map(([, v]) => v).join(', '))}, ${now}, ${now} FROM ${stagedRows}
    WHERE s.active = true AND NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.external_id = s.ext) ORDER BY s.rowid`);
  if (complete) {
    counts.deactivated += await rawRun(
      tx,
      sql`UPDATE ${table} AS x SET active = false, updated_at = ${now}
          WHERE x.active = true AND x.external_id IS NOT NULL AND x.school_id IN (SELECT id FROM ${staged('school_ids')})
            AND NOT EXISTS (SELECT 1 FROM ${stagedRows} WHERE s.ext = x.external_id)`,
    );
  }
  return counts;
}

// --- Teachers ------------------------------------------------------------------------------------

export interface StagedTeacher { ext: string; email: string; first_name: string; last_name: string; schools: string; active: boolean; file: string; line: number }

/** Teachers are a few per hundred students: read whole, as the staff sync needs them. */
export async function stagedTeachers(tx: Tx): Promise<StagedTeacher[]> {
  const rows = await rawRows<StagedTeacher>(tx, sql`SELECT ext, email, first_name, last_name, schools, active, file, line FROM ${staged('teachers')} ORDER BY rowid`);
  return rows.map((t) => ({ ...t, active: isSet(t.active) }));
}

// --- Enrollments and class teachers --------------------------------------------------------------

export interface PairCounts { added: number; removed: number; unchanged: number }

/**
 * Enrollments resolved to ids, once, into the staged `resolved_enrollments`: a class or person
 * the file holds, or, for an entity the file does not describe whole, one FamilyLine already
 * has. Kept: the enrollments the file marks active (`active`), except those of people it marks
 * inactive (they simply have no enrollments; that is not an error), and those it marks
 * tobedeleted (not `active`).
 */
async function resolveEnrollments(tx: Tx, open: { classes: boolean; users: boolean }): Promise<void> {
  const schoolIds = staged('school_ids');
  const inFileClass = sql`EXISTS (SELECT 1 FROM ${staged('classes')} sc JOIN ${schoolIds} m ON m.ext = sc.school_ext WHERE sc.ext = e.class_ext)`;
  const inFileStudent = sql`EXISTS (SELECT 1 FROM ${staged('students')} ss JOIN ${schoolIds} m ON m.ext = ss.school_ext WHERE ss.ext = e.user_ext)`;
  const inFileTeacher = sql`EXISTS (SELECT 1 FROM ${staged('teachers')} t WHERE t.ext = e.user_ext)`;
  await rawRun(tx, sql`
    INSERT INTO ${staged('resolved_enrollments')}
    SELECT e.file, e.line, e.class_ext, e.user_ext, e.role, e.active, c.id, coalesce(st.id, sf.id)
    FROM ${staged('enrollments')} e
    LEFT JOIN classes c ON c.external_id = e.class_ext AND (${truth(open.classes)} OR ${inFileClass})
    LEFT JOIN students st ON e.role = 'student' AND st.external_id = e.user_ext AND (${truth(open.users)} OR ${inFileStudent})
    LEFT JOIN staff sf ON e.role = 'teacher' AND sf.external_id = e.user_ext AND (${truth(open.users)} OR ${inFileTeacher})
    WHERE e.active = false
       OR (NOT EXISTS (SELECT 1 FROM ${staged('students')} x WHERE x.ext = e.user_ext AND x.active = false)
           AND NOT EXISTS (SELECT 1 FROM ${staged('teachers')} x WHERE x.ext = e.user_ext AND x.active = false))`);
}

/**
 * Class rosters and class teachers. An enrollment the file marks tobedeleted is removed. When
 * enrollments.csv is complete, the classes the file holds also lose the enrollments it no longer
 * lists; a delta removes only what it marks.
 */
export async function syncEnrollments(
  tx: Tx,
  complete: RosterCompleteness,
): Promise<{ students: PairCounts; teachers: PairCounts; errors: RowError[] }> {
  const open = { classes: !complete.classes, users: !complete.students };
  await resolveEnrollments(tx, open);
  const resolved = staged('resolved_enrollments');
  await rawRun(tx, sql`INSERT INTO ${staged('ended_enrollments')} SELECT role, class_id, user_id FROM ${resolved}
    WHERE active = false AND class_id IS NOT NULL AND user_id IS NOT NULL ON CONFLICT DO NOTHING`);
  const unresolved = await rawRows<{ file: string; line: number; class_ext: string; user_ext: string; role: string; class_id: number | null }>(
    tx,
    sql`SELECT file, line, class_ext, user_ext, role, class_id FROM ${resolved}
        WHERE active = true AND (class_id IS NULL OR user_id IS NULL) ORDER BY file, line`,
  );
  const errors = unresolved.map((r): RowError => {
    const missing = r.class_id === null ? `class "${r.class_ext}"` : `${r.role} "${r.user_ext}"`;
    const where = (r.class_id === null ? open.classes : open.users) ? 'neither the file nor FamilyLine holds' : 'the file does not hold';
    return { file: r.file, line: r.line, kind: 'unknown_reference', reason: `enrollment refers to ${missing}, which ${where}` };
  });
  const want = (table: string, role: string) =>
    rawRun(tx, sql`INSERT INTO ${staged(table)} SELECT class_id, user_id FROM ${resolved}
      WHERE active = true AND role = ${role} AND class_id IS NOT NULL AND user_id IS NOT NULL ON CONFLICT DO NOTHING`);
  await want('want_enrollments', 'student');
  await want('want_teachers', 'teacher');
  const fileClasses = sql`SELECT c.id FROM ${staged('classes')} sc JOIN ${staged('school_ids')} m ON m.ext = sc.school_ext JOIN classes c ON c.external_id = sc.ext`;
  const pairs = async (table: 'enrollments' | 'class_teachers', wantTable: string, col: 'student_id' | 'staff_id', role: 'student' | 'teacher'): Promise<PairCounts> => {
    const main = sql.raw(table);
    const w = staged(wantTable);
    const c = sql.raw(col);
    const notWanted = sql`NOT EXISTS (SELECT 1 FROM ${w} w WHERE w.class_id = x.class_id AND w.${c} = x.${c})`;
    let removed = await rawRun(tx, sql`DELETE FROM ${main} AS x WHERE ${notWanted}
      AND EXISTS (SELECT 1 FROM ${staged('ended_enrollments')} d WHERE d.role = ${role} AND d.class_id = x.class_id AND d.user_id = x.${c})`);
    if (complete.enrollments) removed += await rawRun(tx, sql`DELETE FROM ${main} AS x WHERE x.class_id IN (${fileClasses}) AND ${notWanted}`);
    const wanted = await count(tx, sql`SELECT count(*) AS n FROM ${w}`);
    const added = await rawRun(tx, sql`INSERT INTO ${main} (class_id, ${c}) SELECT w.class_id, w.${c} FROM ${w} w
      WHERE NOT EXISTS (SELECT 1 FROM ${main} x WHERE x.class_id = w.class_id AND x.${c} = w.${c})`);
    return { added, removed, unchanged: wanted - added };
  };
  return {
    students: await pairs('enrollments', 'want_enrollments', 'student_id', 'student'),
    teachers: await pairs('class_teachers', 'want_teachers', 'staff_id', 'teacher'),
    errors,
  };
}

// --- Guardians and households --------------------------------------------------------------------

/**
 * Guardian–student links resolved to a school and a student: a person the file holds, or, for
 * a delta, one FamilyLine already has. Returns the links that resolve to neither, as row errors.
 */
export async function resolveLinks(tx: Tx, complete: RosterCompleteness): Promise<RowError[]> {
  const studentsOpen = !complete.students;
  const guardiansOpen = !complete.guardians;
  const resolvedLinks = staged('resolved_links');
  const knownGuardian = sql`EXISTS (SELECT 1 FROM guardians dg WHERE dg.external_id = l.guardian_ext AND dg.school_id = coalesce(m.id, st.school_id))`;
  await rawRun(tx, sql`
    INSERT INTO ${resolvedLinks}
    SELECT l.student_ext, l.guardian_ext, l.relationship, l.may_contact, l.file, l.line,
           coalesce(m.id, st.school_id), st.id, CASE WHEN fs.ext IS NOT NULL THEN fs.active ELSE st.active END, g.ext IS NOT NULL
    FROM ${staged('links')} l
    LEFT JOIN ${staged('students')} fs ON fs.ext = l.student_ext
    LEFT JOIN ${staged('school_ids')} m ON m.ext = fs.school_ext
    LEFT JOIN students st ON st.external_id = l.student_ext
    LEFT JOIN ${staged('guardians')} g ON g.ext = l.guardian_ext
    WHERE (m.id IS NOT NULL OR (fs.ext IS NULL AND ${truth(studentsOpen)} AND st.id IS NOT NULL))
      AND (g.ext IS NOT NULL OR (${truth(guardiansOpen)} AND ${knownGuardian}))
    ORDER BY l.rowid`);
  const where = (open: boolean) => (open ? 'in the file or in FamilyLine' : 'in the file');
  const rows = await rawRows<{ file: string; line: number; student_ext: string; guardian_ext: string; guardian_known: unknown }>(tx, sql`
    SELECT l.file, l.line, l.student_ext, l.guardian_ext,
           EXISTS (SELECT 1 FROM ${staged('guardians')} g WHERE g.ext = l.guardian_ext)
             OR (${truth(guardiansOpen)} AND EXISTS (SELECT 1 FROM guardians dg WHERE dg.external_id = l.guardian_ext)) AS guardian_known
    FROM ${staged('links')} l
    WHERE NOT EXISTS (SELECT 1 FROM ${resolvedLinks} r WHERE r.student_ext = l.student_ext AND r.guardian_ext = l.guardian_ext)
    ORDER BY l.rowid`);
  return rows.map((r) => ({
    file: r.file,
    line: r.line,
    kind: 'unknown_reference',
    reason: `link between guardian "${r.guardian_ext}" and student "${r.student_ext}": ${isSet(r.guardian_known) ? `no such student ${where(studentsOpen)}` : `no such guardian ${where(guardiansOpen)}`}`,
  }));
}

export interface StagedGuardianRow {
  ext: string; first_name: string; last_name: string; phone: string | null; language: string | null; household: string | null;
  relationship: string | null; active: boolean; file: string; line: number;
}
const GUARDIAN_COLUMNS = sql.raw('g.ext, g.first_name, g.last_name, g.phone, g.language, g.household, g.relationship, g.active, g.file, g.line');
const guardianRow = <R extends { active: unknown }>(r: R) => ({ ...r, active: isSet(r.active) });

/** Active guardians the file holds that are linked to no student (nor, for a delta, known to FamilyLine). */
export async function unlinkedGuardians(tx: Tx, complete: RosterCompleteness): Promise<StagedGuardianRow[]> {
  const rows = await rawRows<StagedGuardianRow>(tx, sql`
    SELECT ${GUARDIAN_COLUMNS} FROM ${staged('guardians')} g
    WHERE g.active = true AND NOT EXISTS (SELECT 1 FROM ${staged('resolved_links')} r WHERE r.guardian_ext = g.ext)
      AND (${truth(complete.guardians)} OR NOT EXISTS (SELECT 1 FROM guardians dg WHERE dg.external_id = g.ext))
    ORDER BY g.rowid`);
  return rows.map(guardianRow);
}

export interface SchoolLinkRow extends StagedGuardianRow {
  student_ext: string;
  student_id: number;
  link_relationship: string | null;
  link_may_contact: boolean;
}

/** The file's guardians of one school with their links to its active students, in file order. */
export async function fileGuardiansOf(tx: Tx, schoolId: number): Promise<SchoolLinkRow[]> {
  const rows = await rawRows<SchoolLinkRow>(tx, sql`
    SELECT ${GUARDIAN_COLUMNS}, r.student_ext, r.student_id, r.relationship AS link_relationship, r.may_contact AS link_may_contact
    FROM ${staged('resolved_links')} r JOIN ${staged('guardians')} g ON g.ext = r.guardian_ext
    WHERE r.school_id = ${schoolId} AND r.student_active = true ORDER BY r.rowid`);
  return rows.map((r) => ({ ...guardianRow(r), link_may_contact: isSet(r.link_may_contact) }));
}

export interface LinkOfGuardian { guardian_ext: string; student_ext: string; student_id: number; relationship: string | null; may_contact: boolean }
const linkOfGuardian = (r: LinkOfGuardian) => ({ ...r, may_contact: isSet(r.may_contact) });

/** Links the file gives to guardians it does not hold (a delta): FamilyLine's guardians of the school. */
export async function fileLinksOfKnownGuardians(tx: Tx, schoolId: number): Promise<LinkOfGuardian[]> {
  const rows = await rawRows<LinkOfGuardian>(tx, sql`
    SELECT guardian_ext, student_ext, student_id, relationship, may_contact FROM ${staged('resolved_links')}
    WHERE school_id = ${schoolId} AND student_active = true AND guardian_in_file = false ORDER BY rowid`);
  return rows.map(linkOfGuardian);
}

/**
 * Every active student of the school's guardians, in any school: for "the same children". A delta
 * holds only some of a guardian's links, so the ones FamilyLine has count too.
 */
export async function childrenOfSchoolGuardians(tx: Tx, schoolId: number, complete: RosterCompleteness): Promise<{ guardian_ext: string; student_ext: string }[]> {
  const resolvedLinks = staged('resolved_links');
  if (complete.guardians) {
    return rawRows(tx, sql`
      SELECT DISTINCT r.guardian_ext, r.student_ext FROM ${resolvedLinks} r
      WHERE r.student_active = true AND r.guardian_ext IN (SELECT guardian_ext FROM ${resolvedLinks} WHERE school_id = ${schoolId})`);
  }
  const schoolGuardians = sql`SELECT guardian_ext FROM ${resolvedLinks} WHERE school_id = ${schoolId}
    UNION SELECT external_id FROM guardians WHERE school_id = ${schoolId} AND active = true AND external_id IS NOT NULL`;
  return rawRows(tx, sql`
    SELECT r.guardian_ext, r.student_ext FROM ${resolvedLinks} r
    WHERE r.student_active = true AND r.guardian_ext IN (${schoolGuardians})
    UNION
    SELECT dg.external_id, s.external_id FROM guardians dg
    JOIN student_guardians sg ON sg.guardian_id = dg.id JOIN students s ON s.id = sg.student_id
    WHERE dg.active = true AND s.active = true AND s.external_id IS NOT NULL AND dg.external_id IN (${schoolGuardians})`);
}

/**
 * Schools where FamilyLine has guardians the file holds: a delta may carry a guardian and none of
 * their children. Only the import's own schools: a parent of two schools keeps the other's record.
 */
export async function schoolsOfKnownGuardians(tx: Tx): Promise<number[]> {
  const rows = await rawRows<{ id: number }>(tx, sql`SELECT DISTINCT dg.school_id AS id FROM guardians dg JOIN ${staged('guardians')} g ON g.ext = dg.external_id
    WHERE dg.school_id IN (SELECT id FROM ${staged('scope')})`);
  return rows.map((r) => r.id);
}

/** Stored guardians of the school the file marks inactive. */
export async function inactiveInFile(tx: Tx, schoolId: number): Promise<Set<string>> {
  const rows = await rawRows<{ ext: string }>(tx, sql`
    SELECT g.ext FROM ${staged('guardians')} g JOIN guardians dg ON dg.external_id = g.ext
    WHERE g.active = false AND dg.school_id = ${schoolId}`);
  return new Set(rows.map((r) => r.ext));
}

export interface KnownGuardianRow extends Omit<StagedGuardianRow, 'file' | 'line'> {
  /** True when the file holds this guardian: the other columns are then the file's. */
  in_file: boolean;
  /** True when the file names this guardian here: holds them, gives them a link, or holds one of their students. */
  named: boolean;
  file: string | null;
  line: number | null;
}

/**
 * The school's guardians FamilyLine has (for a delta): they take part in working out
 * households, as the file now gives them where it holds them, else as stored (with their
 * household id and first number), and say whether the file names them.
 */
export async function knownGuardiansOf(tx: Tx, schoolId: number): Promise<KnownGuardianRow[]> {
  const rows = await rawRows<KnownGuardianRow>(tx, sql`
    SELECT dg.external_id AS ext, g.ext IS NOT NULL AS in_file,
           CASE WHEN g.ext IS NULL THEN dg.first_name ELSE g.first_name END AS first_name,
           CASE WHEN g.ext IS NULL THEN dg.last_name ELSE g.last_name END AS last_name,
           CASE WHEN g.ext IS NULL THEN (SELECT p.number FROM phones p WHERE p.guardian_id = dg.id ORDER BY p.id LIMIT 1) ELSE g.phone END AS phone,
           CASE WHEN g.ext IS NULL THEN dg.language ELSE g.language END AS language,
           CASE WHEN g.ext IS NULL THEN f.external_id ELSE g.household END AS household,
           CASE WHEN g.ext IS NULL THEN dg.relationship ELSE g.relationship END AS relationship,
           CASE WHEN g.ext IS NULL THEN true ELSE g.active END AS active,
           g.ext IS NOT NULL
             OR EXISTS (SELECT 1 FROM ${staged('resolved_links')} r WHERE r.guardian_ext = dg.external_id AND r.school_id = dg.school_id)
             OR EXISTS (SELECT 1 FROM student_guardians sg JOIN students s ON s.id = sg.student_id
                        JOIN ${staged('students')} ss ON ss.ext = s.external_id WHERE sg.guardian_id = dg.id) AS named,
           g.file, g.line
    FROM guardians dg JOIN families f ON f.id = dg.family_id LEFT JOIN ${staged('guardians')} g ON g.ext = dg.external_id
    WHERE dg.school_id = ${schoolId} AND dg.active = true AND dg.external_id IS NOT NULL
    ORDER BY dg.id`);
  return rows.map((r) => ({ ...r, active: isSet(r.active), in_file: isSet(r.in_file), named: isSet(r.named) }));
}

/** Stored links of the school's guardians to active students, by guardian external id. */
export async function knownLinksOf(tx: Tx, schoolId: number): Promise<LinkOfGuardian[]> {
  const rows = await rawRows<LinkOfGuardian>(tx, sql`
    SELECT dg.external_id AS guardian_ext, s.external_id AS student_ext, s.id AS student_id, sg.relationship, sg.may_contact
    FROM student_guardians sg JOIN guardians dg ON dg.id = sg.guardian_id JOIN students s ON s.id = sg.student_id
    WHERE dg.school_id = ${schoolId} AND dg.active = true AND dg.external_id IS NOT NULL AND s.active = true AND s.external_id IS NOT NULL
    ORDER BY dg.id, s.id`);
  return rows.map(linkOfGuardian);
}
