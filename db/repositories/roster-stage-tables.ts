/**
 * The tables of a roster import's stage, described once. The parsers write them in a private
 * SQLite file (roster-stage.ts); the sync reads them under the names dialectSql().stageTable()
 * gives: the file attached as `stage` on SQLite, temporary tables of the import's transaction on
 * PostgreSQL (roster-transaction.ts copies the parsed ones over). A flag is a boolean column
 * where the main tables have booleans: INTEGER 0/1 in SQLite, boolean in PostgreSQL.
 */

type Kind = 'text' | 'int' | 'bool';
/** name, kind, and whether it may be null. */
type Column = [name: string, kind: Kind, nullable?: boolean];

export interface StageTable {
  columns: Column[];
  key?: string[];
  indexes?: string[][];
  /**
   * Who fills it: 'parse' (read only while parsing, never by the sync), 'parsed' (written while
   * parsing, read by the sync: PostgreSQL gets a copy), 'sync' (written by the sync).
   */
  filledBy: 'parse' | 'parsed' | 'sync';
}

const src: Column[] = [['file', 'text'], ['line', 'int']];

export const STAGE_TABLES: Record<string, StageTable> = {
  schools: { columns: [['ext', 'text'], ['name', 'text'], ...src], key: ['ext'], filledBy: 'parsed' },
  users: { columns: [['id', 'text'], ['role', 'text'], ['line', 'int'], ['rejected', 'bool']], key: ['id'], filledBy: 'parse' },
  students: {
    columns: [['ext', 'text'], ['school_ext', 'text'], ['first_name', 'text'], ['last_name', 'text'], ['grade', 'text'], ['active', 'bool'], ...src],
    key: ['ext'],
    filledBy: 'parsed',
  },
  guardians: {
    columns: [
      ['ext', 'text'], ['first_name', 'text'], ['last_name', 'text'], ['phone', 'text', true], ['language', 'text', true], ['household', 'text', true],
      ['relationship', 'text', true], ['active', 'bool'], ['may_contact', 'bool'], ...src,
    ],
    key: ['ext'],
    filledBy: 'parsed',
  },
  declared: { columns: [['student_ext', 'text'], ['guardian_ext', 'text'], ['line', 'int'], ['from_guardian', 'bool']], filledBy: 'parse' },
  links: {
    columns: [['student_ext', 'text'], ['guardian_ext', 'text'], ['relationship', 'text', true], ['may_contact', 'bool'], ...src],
    key: ['student_ext', 'guardian_ext'],
    indexes: [['guardian_ext']],
    filledBy: 'parsed',
  },
  teachers: {
    columns: [['ext', 'text'], ['email', 'text'], ['first_name', 'text'], ['last_name', 'text'], ['schools', 'text'], ['active', 'bool'], ...src],
    key: ['ext'],
    filledBy: 'parsed',
  },
  classes: {
    columns: [['ext', 'text'], ['school_ext', 'text'], ['title', 'text'], ['grades', 'text'], ['subjects', 'text'], ['active', 'bool'], ...src],
    key: ['ext'],
    filledBy: 'parsed',
  },
  enrollments: {
    columns: [['class_ext', 'text'], ['user_ext', 'text'], ['role', 'text'], ['active', 'bool'], ...src],
    key: ['class_ext', 'user_ext', 'role'],
    indexes: [['user_ext']],
    filledBy: 'parsed',
  },
  // Which school each school id of the file stands for, the schools the import acts in, and
  // what the file names outside them (roster-scope.ts).
  school_ids: { columns: [['ext', 'text'], ['id', 'int']], key: ['ext'], filledBy: 'sync' },
  scope: { columns: [['id', 'int']], key: ['id'], filledBy: 'sync' },
  outside: { columns: [['kind', 'text'], ['ext', 'text'], ['why', 'text']], key: ['kind', 'ext'], filledBy: 'sync' },
  resolved_enrollments: {
    columns: [['file', 'text'], ['line', 'int'], ['class_ext', 'text'], ['user_ext', 'text'], ['role', 'text'], ['active', 'bool'], ['class_id', 'int', true], ['user_id', 'int', true]],
    filledBy: 'sync',
  },
  want_enrollments: { columns: [['class_id', 'int'], ['student_id', 'int']], key: ['class_id', 'student_id'], filledBy: 'sync' },
  want_teachers: { columns: [['class_id', 'int'], ['staff_id', 'int']], key: ['class_id', 'staff_id'], filledBy: 'sync' },
  ended_enrollments: { columns: [['role', 'text'], ['class_id', 'int'], ['user_id', 'int']], key: ['role', 'class_id', 'user_id'], filledBy: 'sync' },
  resolved_links: {
    columns: [
      ['student_ext', 'text'], ['guardian_ext', 'text'], ['relationship', 'text', true], ['may_contact', 'bool'], ...src,
      ['school_id', 'int'], ['student_id', 'int', true], ['student_active', 'bool'], ['guardian_in_file', 'bool'],
    ],
    indexes: [['school_id', 'guardian_ext'], ['guardian_ext']],
    filledBy: 'sync',
  },
};

const columnsOf = (t: StageTable, type: (k: Kind) => string) =>
  t.columns.map(([name, kind, nullable]) => `${name} ${type(kind)}${nullable ? '' : ' NOT NULL'}`);

/** The stage file's schema, as the parsers create it. */
export function sqliteStageSchema(): string {
  const type = (k: Kind) => (k === 'text' ? 'TEXT' : 'INTEGER');
  return Object.entries(STAGE_TABLES)
    .flatMap(([name, t]) => [
      `CREATE TABLE ${name} (${[...columnsOf(t, type), ...(t.key ? [`PRIMARY KEY (${t.key.join(', ')})`] : [])].join(', ')});`,
      ...(t.indexes ?? []).map((cols) => `CREATE INDEX ${name}_${cols.join('_')} ON ${name} (${cols.join(', ')});`),
    ])
    .join('\n');
}

/**
 * The temporary tables of a PostgreSQL import, gone when its transaction ends. Each has a rowid,
 * as SQLite's tables do: the sync reads staged rows in file order by it. Copied tables take the
 * stage file's rowid, and get their keys and indexes once filled (`afterCopy`: faster than
 * keeping them up row by row); the others number their rows as they are inserted.
 */
export function pgStageSchema(stageTable: (name: string) => string): { create: string[]; afterCopy: string[] } {
  const type = (k: Kind) => (k === 'text' ? 'text' : k === 'int' ? 'integer' : 'boolean');
  const tables = Object.entries(STAGE_TABLES).filter(([, t]) => t.filledBy !== 'parse');
  const key = (t: StageTable) => (t.key ? `PRIMARY KEY (${t.key.join(', ')})` : null);
  const indexes = (name: string, t: StageTable) => (t.indexes ?? []).map((cols) => `CREATE INDEX ON ${stageTable(name)} (${cols.join(', ')})`);
  return {
    create: tables.flatMap(([name, t]) => {
      const later = t.filledBy === 'parsed';
      const columns = [...columnsOf(t, type), 'rowid bigint GENERATED BY DEFAULT AS IDENTITY', ...(later ? [] : [key(t)].filter((k) => k !== null))];
      return [`CREATE TEMPORARY TABLE ${stageTable(name)} (${columns.join(', ')}) ON COMMIT DROP`, ...(later ? [] : indexes(name, t))];
    }),
    afterCopy: tables
      .filter(([, t]) => t.filledBy === 'parsed')
      .flatMap(([name, t]) => [...(t.key ? [`ALTER TABLE ${stageTable(name)} ADD ${key(t)}`] : []), ...indexes(name, t)]),
  };
}

/** The tables the parsers fill and the sync reads, with their columns: what PostgreSQL copies. */
export const PARSED_TABLES = Object.entries(STAGE_TABLES)
  .filter(([, t]) => t.filledBy === 'parsed')
  .map(([name, t]) => ({ name, columns: ['rowid', ...t.columns.map(([n]) => n)], flags: t.columns.filter(([, kind]) => kind === 'bool').map(([n]) => n) }));
