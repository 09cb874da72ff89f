import { parse } from 'csv-parse/sync';

/** One CSV record with the line it ends on (csv-parse's `info.lines`). */
export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * The records of a small CSV a person uploads (teacher updates, progress rows), or why it is not
 * CSV, with the line. Cells trimmed, blank lines skipped, short rows kept for the caller to judge.
 */
export function csvRecords(text: string): { records: CsvRecord[] } | { error: { line: number; reason: string } } {
  try {
    // Line ends made \n first: csv-parse counts lines wrong for CRLF files with multi-line cells.
    const records = parse(text.replace(/\r\n?/g, '\n'), { info: true, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as unknown as CsvRecord[];
    return { records };
  } catch (err) {
    const e = err as { lines?: number; message: string };
    return { error: { line: e.lines ?? 1, reason: `the file is not valid CSV: ${e.message}` } };
  }
}
