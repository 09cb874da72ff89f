import { csvRecords } from '../lib/csv-records';
import { normaliseLanguage } from '../families/codes';
import type { Slots, UpdateItem } from './model';
import type { UpdateSlot } from './sentence-bank';

/**
 * A class's updates as a spreadsheet: a header, then one row per sentence.
 *
 *   student_id,template,subject,skill,count,date      (sentence-bank rows: the header names the slots)
 *   student_id,free_text[,language]                  (the teacher's own words)
 *
 * Both kinds may share one file (a row fills template or free_text, not both). student_id is the
 * id GET /api/v1/classes/:id shows. Each bad row is reported with its line and reason and the
 * others are kept, so a teacher fixes three cells rather than the whole file.
 */

export interface CsvRowError {
  /** Physical line where the row starts; the header is line 1. */
  line: number;
  reason: string;
}

export interface ParsedUpdatesCsv {
  rows: { line: number; item: UpdateItem }[];
  errors: CsvRowError[];
}

const SLOTS: readonly UpdateSlot[] = ['subject', 'skill', 'count', 'date', 'teacher'];
const ALIASES: Record<string, string> = { text: 'free_text', freetext: 'free_text', 'free text': 'free_text', student: 'student_id', studentid: 'student_id' };
const KNOWN = new Set<string>(['student_id', 'template', 'free_text', 'language', ...SLOTS]);
/** A class is tens of students; a file this long is the wrong file. */
export const MAX_CSV_ROWS = 2000;

export function parseUpdatesCsv(text: string): ParsedUpdatesCsv {
  const read = csvRecords(text);
  if ('error' in read) return { rows: [], errors: [read.error] };
  const { records } = read;
  if (!records.length) return { rows: [], errors: [{ line: 1, reason: 'the file is empty: it needs a header such as student_id,template,subject,skill' }] };

  const header = records[0].record.map((h) => {
    const key = h.toLowerCase().trim();
    return ALIASES[key] ?? key;
  });
  const unknown = header.filter((h) => !KNOWN.has(h));
  const problems: string[] = [];
  if (!header.includes('student_id')) problems.push('a student_id column');
  if (!header.includes('template') && !header.includes('free_text')) problems.push('a template or a free_text column');
  if (unknown.length || problems.length) {
    const reasons = [
      ...(problems.length ? [`the header needs ${problems.join(' and ')}`] : []),
      ...(unknown.length ? [`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} (slots are ${SLOTS.join(', ')})`] : []),
    ];
    return { rows: [], errors: [{ line: 1, reason: reasons.join('; ') }] };
  }
  if (new Set(header).size !== header.length) return { rows: [], errors: [{ line: 1, reason: 'the header names a column twice' }] };

  const rows: ParsedUpdatesCsv['rows'] = [];
  const errors: CsvRowError[] = [];
  for (const { record, info } of records.slice(1)) {
    // info.lines is where the record ends; a quoted cell may span lines.
    const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    if (rows.length + errors.length >= MAX_CSV_ROWS) {
      errors.push({ line, reason: `a file holds at most ${MAX_CSV_ROWS} rows` });
      break;
    }
    if (record.length > header.length) {
      errors.push({ line, reason: `has ${record.length} cells; the header has ${header.length}` });
      continue;
    }
    const cell = (name: string) => record[header.indexOf(name)]?.trim() ?? '';
    const row = readRow(cell);
    if (typeof row === 'string') errors.push({ line, reason: row });
    else rows.push({ line, item: row });
  }
  return { rows, errors };
}

function readRow(cell: (name: string) => string): UpdateItem | string {
  const id = cell('student_id');
  if (!/^[1-9]\d{0,14}$/.test(id)) return id ? `student_id "${id}" is not a student id (use the id the class list shows)` : 'student_id is empty';
  const studentId = Number(id);
  const template = cell('template');
  const freeText = cell('free_text');
  if (template && freeText) return 'fill in template or free_text, not both';
  if (freeText) {
    const written = cell('language');
    if (!written) return { studentId, text: freeText };
    const language = normaliseLanguage(written);
    return language ? { studentId, text: freeText, language } : `language "${written}" is not an ISO 639-1 code such as en or es`;
  }
  if (!template) return 'neither a template nor a free text';
  const slots: Slots = {};
  for (const slot of SLOTS) {
    const v = cell(slot);
    if (v) slots[slot] = slot === 'count' && /^\d+$/.test(v) ? Number(v) : v;
  }
  return { studentId, template, slots };
}
