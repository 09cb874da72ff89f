import fs from 'node:fs/promises';
import { AppError } from '../errors';
import { systemClock } from '../lib/clock';
import { importProgress, type ProgressImportReport } from '../staff/progress';
import { MAX_PROGRESS_CSV_BYTES } from '../nudges/progress-csv';
import type { CommandContext } from './main';
import { UsageError } from './usage';

/**
 * `progress import <file> [--school ID]`: a CSV student_id,week,kind,value (src/nudges/progress-csv.ts),
 * with the database's own rights (the district, or with --school that school). The good rows are
 * stored in one transaction; each bad row is printed with its line. Running it again stores nothing new.
 */
export async function progressImport({ values, positionals, db, out }: CommandContext): Promise<void> {
  const path = positionals[0];
  if (!path) throw new UsageError('progress import needs the path of a CSV file: student_id,week,kind,value');
  const schoolId = values.school === undefined ? undefined : Number(values.school);
  if (schoolId !== undefined && !(Number.isInteger(schoolId) && schoolId > 0)) throw new UsageError('--school must be a school id (a number)');
  const stat = await fs.stat(path).catch(() => null);
  if (!stat?.isFile()) throw new AppError(400, 'bad_request', `No file at ${path}`);
  if (stat.size > MAX_PROGRESS_CSV_BYTES) throw new AppError(413, 'too_large', `${path} is larger than ${MAX_PROGRESS_CSV_BYTES / 1_000_000} MB; split it`);
  const csv = await fs.readFile(path, 'utf8');
  try {
    out(formatProgressReport(await importProgress({ db, clock: systemClock }, { cli: true }, csv, { schoolId })));
  } catch (err) {
    // Nothing stored: still show every line's reason before the one-line error.
    if (err instanceof AppError && err.status === 400 && err.fields) for (const [k, v] of Object.entries(err.fields)) out(`  ${k.replace('csv.', '')}: ${v}`);
    throw err;
  }
}

export function formatProgressReport(r: ProgressImportReport): string {
  const lines = [
    `Progress import: ${r.rows} row${r.rows === 1 ? '' : 's'} read`,
    `  new: ${r.created}   changed: ${r.updated}   unchanged: ${r.unchanged}   rejected: ${r.rejected}`,
    ...r.errors.map((e) => `  line ${e.line}: ${e.reason}`),
  ];
  return lines.join('\n');
}
