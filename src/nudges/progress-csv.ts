import { csvRecords } from '../lib/csv-records';
import { readProgress, type ProgressInput } from './progress-input';

/**
 * Progress from a spreadsheet, such as a gradebook's or an attendance system's export:
 *
 *   student_id,week,kind,value
 *   S-1001,2026-W47,missing_assignments,2
 *   S-1001,2026-11-16,reading_level,M
 *
 * student_id is the roster's id for the student (the student_id column of the roster import, shown
 * as externalId by GET /api/v1/students): the id the school's own systems already export. Each bad
 * row is reported with its line and reason; the good ones are kept (the import stores them).
 */

export interface ProgressCsvRow {
  /** Physical line where the row starts; the header is line 1. */
  line: number;
  externalId: string;
  record: ProgressInput;
}

export interface ProgressCsvError {
  line: number;
  reason: string;
}

export interface ParsedProgressCsv {
  rows: ProgressCsvRow[];
  errors: ProgressCsvError[];
}

const COLUMNS = ['student_id', 'week', 'kind', 'value'] as const;
const ALIASES: Record<string, string> = { studentid: 'student_id', 'student id': 'student_id', student: 'student_id' };
/** A school's week is a few thousand rows; a file far longer is the wrong file. */
export const MAX_PROGRESS_ROWS = 20_000;
/** The file's size bound (API, console, CLI): a school's week of gradebook rows is far smaller. */
export const MAX_PROGRESS_CSV_BYTES = 2_000_000;
/** The most a roster id may hold, as the roster import allows. */
const MAX_ID = 100;

export function parseProgressCsv(text: string): ParsedProgressCsv {
  const read = csvRecords(text);
  if ('error' in read) return { rows: [], errors: [read.error] };
  const { records } = read;
  if (!records.length) return { rows: [], errors: [{ line: 1, reason: `the file is empty: it needs the header ${COLUMNS.join(',')}` }] };

  const header = records[0].record.map((h) => {
    const key = h.toLowerCase().trim();
    return ALIASES[key] ?? key;
  });
  const missing = COLUMNS.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (missing.length || unknown.length || new Set(header).size !== header.length) {
    const reasons = [
      ...(missing.length ? [`the header needs ${missing.join(', ')} (it should be ${COLUMNS.join(',')})`] : []),
      ...(unknown.length ? [`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}`] : []),
      ...(new Set(header).size !== header.length ? ['the header names a column twice'] : []),
    ];
    return { rows: [], errors: [{ line: 1, reason: reasons.join('; ') }] };
  }

  const rows: ProgressCsvRow[] = [];
  const errors: ProgressCsvError[] = [];
  for (const { record, info } of records.slice(1)) {
    // info.lines is where the record ends; a quoted cell may span lines.
    const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    if (rows.length + errors.length >= MAX_PROGRESS_ROWS) {
      errors.push({ line, reason: `a file holds at most ${MAX_PROGRESS_ROWS} rows; split it` });
      break;
    }
    if (record.length > header.length) {
      errors.push({ line, reason: `has ${record.length} cells; the header has ${header.length}` });
      continue;
    }
    const cell = (name: string) => record[header.indexOf(name)]?.trim() ?? '';
    const externalId = cell('student_id');
    if (!externalId) {
      errors.push({ line, reason: 'student_id is empty' });
      continue;
    }
    if (externalId.length > MAX_ID) {
      errors.push({ line, reason: `student_id is longer than ${MAX_ID} characters` });
      continue;
    }
    const read = readProgress({ week: cell('week'), kind: cell('kind'), value: cell('value') });
    if (read.ok) rows.push({ line, externalId, record: read.record });
    else errors.push({ line, reason: Object.entries(read.errors).map(([field, message]) => `${field} ${message}`).join('; ') });
  }
  return { rows, errors };
}
