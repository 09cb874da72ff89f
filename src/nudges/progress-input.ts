import { DateTime } from 'luxon';
import type { ProgressKind } from '../../db/schema';

/**
 * What a gradebook, an attendance export or a person may say about a student's week, checked the
 * same way wherever it comes from (POST /api/v1/progress, the CSV import, the console upload).
 * Teachers' updates are records too (kind `update`), but only src/updates writes those.
 */

export const IMPORTED_KINDS = ['missing_assignments', 'absences', 'reading_level', 'current_unit', 'note'] as const satisfies readonly ProgressKind[];
export type ImportedKind = (typeof IMPORTED_KINDS)[number];

/** Counts are whole numbers from 0 to this; anything larger is a wrong column, not a child's week. */
export const MAX_COUNT = 1000;
/** Text kinds: the longest value each takes (characters). A nudge quotes a level or a unit, so they stay short. */
export const MAX_TEXT: Record<Exclude<ImportedKind, 'missing_assignments' | 'absences'>, number> = { reading_level: 40, current_unit: 120, note: 500 };
const COUNT_KINDS = new Set<string>(['missing_assignments', 'absences']);

export interface ProgressInput {
  week: string;
  kind: ImportedKind;
  value: string;
}

export type ProgressField = 'week' | 'kind' | 'value';

/** `2026-W47` or any date of that week (`2026-11-18`) → its Monday, `2026-11-16`: the form progress_records.week stores (src/updates/week.ts). */
export function weekMonday(raw: string): string | null {
  const text = raw.trim();
  let d: DateTime;
  if (/^\d{4}-W\d{2}$/i.test(text)) d = DateTime.fromISO(text.toUpperCase(), { zone: 'utc' });
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) d = DateTime.fromISO(text, { zone: 'utc' });
  else return null;
  if (!d.isValid || d.year < 2000 || d.year > 2100) return null;
  return d.startOf('week').toISODate();
}

const WEEK_HINT = 'must be an ISO week such as 2026-W47 or a date such as 2026-11-16';

/** Checks one record; answers it normalised, or a message per bad field. */
export function readProgress(input: { week: unknown; kind: unknown; value: unknown }): { ok: true; record: ProgressInput } | { ok: false; errors: Partial<Record<ProgressField, string>> } {
  const errors: Partial<Record<ProgressField, string>> = {};
  const week = typeof input.week === 'string' ? weekMonday(input.week) : null;
  if (input.week === undefined || input.week === '') errors.week = 'is required';
  else if (!week) errors.week = WEEK_HINT;
  const kind = typeof input.kind === 'string' ? input.kind.trim().toLowerCase() : '';
  const known = (IMPORTED_KINDS as readonly string[]).includes(kind);
  if (input.kind === undefined || input.kind === '') errors.kind = 'is required';
  else if (!known) errors.kind = `must be one of ${IMPORTED_KINDS.join(', ')}`;
  let value: string | null = null;
  if (input.value === undefined || input.value === null || (typeof input.value === 'string' && !input.value.trim())) errors.value = 'is required';
  else if (known) {
    const checked = COUNT_KINDS.has(kind) ? readCount(input.value) : readText(input.value, MAX_TEXT[kind as keyof typeof MAX_TEXT]);
    if (checked.ok) value = checked.value;
    else errors.value = checked.error;
  }
  if (Object.keys(errors).length || !week || value === null) return { ok: false, errors };
  return { ok: true, record: { week, kind: kind as ImportedKind, value } };
}

function readCount(raw: unknown): { ok: true; value: string } | { ok: false; error: string } {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d{1,7}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0) return { ok: false, error: 'must be a whole number, 0 or more' };
  if (n > MAX_COUNT) return { ok: false, error: `must be at most ${MAX_COUNT}` };
  return { ok: true, value: String(n) };
}

function readText(raw: unknown, max: number): { ok: true; value: string } | { ok: false; error: string } {
  if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, error: 'must be a string' };
  // One line: the value is quoted inside a text message.
  const text = String(raw).replace(/\s+/g, ' ').trim();
  if ([...text].length > max) return { ok: false, error: `must be at most ${max} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return { ok: false, error: 'must not hold control characters' };
  return { ok: true, value: text };
}
