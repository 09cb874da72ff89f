/**
 * The one streaming CSV reader both roster formats use. csv-parse does the CSV; a guard in
 * front of it checks the bytes (UTF-8, not a binary file) and records where physical lines
 * start, because csv-parse's own line counter is off for CRLF files with multi-line fields,
 * and a data manager must find the reported line in Excel or a text editor.
 */
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import { FIELD_MAX_CHARS } from './fields';
import type { ImportMeter } from './limits';
import { RosterFileError } from './model';
import type { Rejections } from './report';

export interface CsvRow {
  /** Physical line where the record starts; the header is line 1. */
  readonly line: number;
  /** The trimmed cell under a column (matched case-insensitively), '' when absent. */
  get(column: string): string;
  has(column: string): boolean;
}

export interface CsvReadOptions {
  /** The name a data manager knows the file by ("users.csv"). */
  file: string;
  required?: readonly string[];
  /** Rows with the wrong number of fields or a value too long are reported here and skipped. */
  errors: Rejections;
  /** The import's limits: rows, line length, time. */
  meter: ImportMeter;
}

const SAVE_AS = 'In Excel: File › Save As › "CSV UTF-8 (Comma delimited)", then import that file.';
const SIGNATURES: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x50, 0x4b, 0x03, 0x04], 'an Excel workbook or a zip archive'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old Excel (.xls) workbook'],
];

/**
 * Validates UTF-8 as bytes stream past (so the error names a line), bounds the length of each
 * line, and indexes line starts.
 */
class ByteGuard extends Transform {
  private offset = 0;
  private need = 0; // continuation bytes still expected
  private lo = 0x80;
  private hi = 0xbf;
  private pendingCR = -1;
  private breaks: number[] = []; // offsets just after each line break, not yet consumed
  private head = 0;
  private linesBefore = 1;
  private lineChars = 0;

  constructor(
    private readonly file: string,
    private readonly meter: ImportMeter,
  ) {
    super();
  }

  /** Physical line of a byte offset. Offsets must be asked for in increasing order. */
  lineAt(offset: number): number {
    while (this.head < this.breaks.length && this.breaks[this.head] <= offset) { this.head++; this.linesBefore++; }
    if (this.head > 4096) { this.breaks = this.breaks.slice(this.head); this.head = 0; }
    return this.linesBefore;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.offset === 0) {
      const problem = this.sniff(chunk);
      if (problem) return cb(problem);
    }
    const maxChars = this.meter.limits.maxLineChars;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      const at = this.offset + i;
      if (this.pendingCR >= 0) { if (b !== 0x0a) this.breaks.push(this.pendingCR); this.pendingCR = -1; }
      // Characters, not bytes: every byte but a UTF-8 continuation byte starts one.
      if (b === 0x0a || b === 0x0d) this.lineChars = 0;
      else if ((b & 0xc0) !== 0x80 && ++this.lineChars > maxChars) {
        this.lineAt(at);
        return cb(this.meter.lineTooLong(this.file, this.linesBefore));
      }
      if (this.need > 0) {
        if (b < this.lo || b > this.hi) return cb(this.notUtf8(at));
        this.lo = 0x80; this.hi = 0xbf; this.need--;
      } else if (b === 0x0a) this.breaks.push(at + 1);
      else if (b === 0x0d) this.pendingCR = at + 1; // a lone CR is a line break too; CRLF counts once
      else if (b === 0) return cb(this.binary('binary data'));
      else if (b >= 0x80) {
        if (b >= 0xc2 && b <= 0xdf) this.need = 1;
        else if (b >= 0xe0 && b <= 0xef) { this.need = 2; if (b === 0xe0) this.lo = 0xa0; if (b === 0xed) this.hi = 0x9f; }
        else if (b >= 0xf0 && b <= 0xf4) { this.need = 3; if (b === 0xf0) this.lo = 0x90; if (b === 0xf4) this.hi = 0x8f; }
        else return cb(this.notUtf8(at));
      }
    }
    this.offset += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.pendingCR >= 0) this.breaks.push(this.pendingCR);
    cb(this.need > 0 ? this.notUtf8(this.offset) : null);
  }

  private sniff(chunk: Buffer): RosterFileError | null {
    if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
      return new RosterFileError(`${this.file} is saved as UTF-16 ("Unicode text"), not UTF-8. ${SAVE_AS}`, this.file);
    }
    const hit = SIGNATURES.find(([sig]) => sig.every((byte, i) => chunk[i] === byte));
    return hit ? this.binary(hit[1]) : null;
  }

  private binary(what: string): RosterFileError {
    return new RosterFileError(`${this.file} is not a CSV file: it contains ${what}. Export the roster as CSV instead. ${SAVE_AS}`, this.file);
  }

  private notUtf8(at: number): RosterFileError {
    this.lineAt(at); // breaks before `at` are all indexed, so this is the line of the bad byte
    return new RosterFileError(
      `${this.file} is not UTF-8 text: line ${this.linesBefore} has a character in another encoding ` +
        `(often Windows-1252/Latin-1 from an older Excel, where "é" or "ñ" break). ${SAVE_AS}`,
      this.file,
    );
  }
}

class Row implements CsvRow {
  constructor(
    readonly line: number,
    private readonly cells: string[],
    private readonly index: Map<string, number>,
  ) {}
  get(column: string): string {
    const i = this.index.get(column.toLowerCase());
    return i === undefined ? '' : (this.cells[i] ?? '').trim();
  }
  has(column: string): boolean {
    return this.index.has(column.toLowerCase());
  }
}

/**
 * A record may span lines inside quotes, but one this many times the longest line is a quote
 * that is never closed swallowing the file, not a row.
 */
const LINES_PER_RECORD = 4;

/** What csv-parse reports, said so a data manager can fix the file. */
function explain(err: unknown, file: string, line: number): Error {
  if (err instanceof RosterFileError) return err;
  const code = (err as { code?: string }).code;
  const at = `${file}, the row starting on line ${line}`;
  // Lines are bounded before csv-parse sees them (ByteGuard), so a record this long runs over many lines.
  if (code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE') {
    return new RosterFileError(`${at}: a quoted field is never closed (a " is missing), so the rest of the file cannot be read.`, file);
  }
  if (code === 'INVALID_OPENING_QUOTE' || code === 'CSV_INVALID_CLOSING_QUOTE') {
    return new RosterFileError(`${at}: a " appears inside a field. Put the whole field in double quotes and double the quote inside ("").`, file);
  }
  if (code?.startsWith('CSV_')) return new RosterFileError(`${at} is not valid CSV: ${(err as Error).message}`, file);
  return new RosterFileError(`${file} could not be read: ${(err as Error).message}`, file);
}

/**
 * Streams the rows of one CSV file. Throws RosterFileError for a file that cannot be read at
 * all (encoding, binary, broken quoting, missing required columns, empty), and RosterLimitError
 * past a limit (rows, line length, time); a row with the wrong number of fields or a value too
 * long goes to `opts.errors` and the rest of the file still imports.
 */
export async function* readCsv(input: Readable, opts: CsvReadOptions): AsyncGenerator<CsvRow> {
  const { file, meter } = opts;
  const guard = new ByteGuard(file, meter);
  // Where the last record csv-parse finished ends, i.e. where a broken one starts: on an error
  // the records it had parsed but not yet handed over are dropped, so `start` may lag behind.
  let parsedEnd = 0;
  const parser = parse({
    bom: true,
    info: true,
    relax_quotes: false,
    relax_column_count: true, // counted here, so a short row is one row error, not a failed file
    skip_empty_lines: false, // empty lines come through as [''], which keeps byte offsets contiguous
    record_delimiter: ['\r\n', '\n', '\r'], // files edited by hand mix line endings
    max_record_size: meter.limits.maxLineChars * LINES_PER_RECORD,
    on_record: (record, context) => {
      parsedEnd = context.bytes;
      return record;
    },
  });
  pipeline(input, guard, parser, () => undefined); // errors surface through the iterator below
  let start = 0; // byte offset where the next record starts
  let index: Map<string, number> | null = null;
  let width = 0;
  let maxima: [column: string, at: number, max: number][] = [];
  let records = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
      // Blank lines count: a file of nothing but line breaks is work too.
      if (++records > meter.limits.maxRows) throw meter.tooManyRows(file);
      if (records % 1000 === 0) meter.checkTime();
      const line = guard.lineAt(start);
      start = info.bytes;
      if (record.every((c) => c.trim() === '')) continue;
      if (!index) {
        index = header(record, opts);
        width = record.length;
        maxima = [...index].flatMap(([column, at]) => (Object.hasOwn(FIELD_MAX_CHARS, column) ? [[record[at].trim(), at, FIELD_MAX_CHARS[column]]] : []));
        continue;
      }
      // Trailing empty cells (spreadsheets add them) are not a misaligned row.
      if (record.length < width || record.slice(width).some((c) => c.trim() !== '')) {
        opts.errors.push({ file, line, kind: 'misaligned', reason: `this row has ${record.length} field${record.length === 1 ? '' : 's'} but the header has ${width}; check for a comma that should be inside quotes` });
        continue;
      }
      const long = maxima.find(([, at, max]) => record[at].trim().length > max);
      if (long) {
        const [column, at, max] = long;
        opts.errors.push({ file, line, kind: 'too_long', reason: `${column} is ${record[at].trim().length} characters long; FamilyLine keeps at most ${max}, so the row is skipped` });
        continue;
      }
      yield new Row(line, record, index);
    }
  } catch (err) {
    throw explain(err, file, guard.lineAt(Math.max(start, parsedEnd)));
  } finally {
    input.destroy(); // the caller may stop early; release the file or zip entry
  }
  if (!index) throw new RosterFileError(`${file} is empty: the first line should name the columns.`, file);
}

function header(record: string[], opts: CsvReadOptions): Map<string, number> {
  const index = new Map<string, number>();
  record.forEach((name, i) => {
    const key = name.trim().toLowerCase();
    if (key && !index.has(key)) index.set(key, i);
  });
  const missing = (opts.required ?? []).filter((c) => !index.has(c.toLowerCase()));
  if (missing.length) {
    const found = record.map((c) => c.trim()).filter(Boolean).join(', ').slice(0, 300);
    throw new RosterFileError(
      `${opts.file} is missing the required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}. ` +
        `The first line must name the columns; it has: ${found || '(nothing)'}.`,
      opts.file,
    );
  }
  return index;
}
