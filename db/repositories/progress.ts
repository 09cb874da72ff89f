import { DateTime } from 'luxon';
import { and, asc, desc, eq, gte, inArray, lt, ne, or, sql } from 'drizzle-orm';
import { transaction, type Db } from '../client';
import { progressRecords, type ProgressKind } from '../schema';
import { valuesOf } from './value-list';

export type ProgressRecordRow = typeof progressRecords.$inferSelect;
export type NewProgressRecord = typeof progressRecords.$inferInsert;

// Eleven columns a row: 50 rows stay far under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 50;
// Ids alone: well under either limit.
const ID_CHUNK = 500;

export async function insertProgressRecords(db: Db, rows: NewProgressRecord[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await db.insert(progressRecords).values(rows.slice(i, i + CHUNK));
}

/** One student's records of one week (YYYY-MM-DD, its Monday), oldest first. */
export async function progressOfWeek(db: Db, studentId: number, week: string): Promise<ProgressRecordRow[]> {
  return db
    .select()
    .from(progressRecords)
    .where(and(eq(progressRecords.studentId, studentId), eq(progressRecords.week, week)))
    .orderBy(asc(progressRecords.id));
}

/** An imported record (API or CSV): one per student, week, kind and source (progress_records_import_uq). */
export interface ImportedProgress {
  studentId: number;
  schoolId: number;
  week: string;
  kind: Exclude<ProgressKind, 'update'>;
  value: string;
  source: 'api' | 'csv';
  staffId: number | null;
}

export interface ImportOutcome {
  created: number;
  updated: number;
  unchanged: number;
  /** The rows as stored, in the order given (a row given twice: its last value). */
  records: ProgressRecordRow[];
}

const keyOf = (r: { studentId: number; week: string; kind: string; source: string }) => `${r.studentId}|${r.week}|${r.kind}|${r.source}`;

/**
 * Stores imported records in one transaction: a new key is inserted, a key already stored takes
 * the new value (a corrected export), an equal value is left alone. So the same file twice adds
 * and changes nothing. The upsert also covers a second import of the same key racing this one.
 */
export async function storeImportedProgress(db: Db, rows: ImportedProgress[], now: string): Promise<ImportOutcome> {
  const latest = new Map<string, ImportedProgress>();
  for (const r of rows) latest.set(keyOf(r), r);
  const wanted = [...latest.values()];
  return transaction(db, async (tx) => {
    const existing = new Map<string, ProgressRecordRow>();
    const studentIds = [...new Set(wanted.map((r) => r.studentId))];
    for (let i = 0; i < studentIds.length; i += ID_CHUNK) {
      const found = await tx
        .select()
        .from(progressRecords)
        .where(and(inArray(progressRecords.studentId, studentIds.slice(i, i + ID_CHUNK)), ne(progressRecords.source, 'update')));
      for (const f of found) existing.set(keyOf(f), f);
    }
    let created = 0;
    let updated = 0;
    const write: ImportedProgress[] = [];
    for (const r of wanted) {
      const old = existing.get(keyOf(r));
      if (!old) created++;
      else if (old.value !== r.value) updated++;
      else continue;
      write.push(r);
    }
    for (let i = 0; i < write.length; i += CHUNK) {
      const stored = await tx
        .insert(progressRecords)
        .values(write.slice(i, i + CHUNK).map((r) => ({ ...r, details: null, messageId: null, createdAt: now })))
        .onConflictDoUpdate({
          target: [progressRecords.studentId, progressRecords.week, progressRecords.kind, progressRecords.source],
          targetWhere: sql`source <> 'update'`,
          set: { value: sql`excluded.value`, staffId: sql`excluded.staff_id`, createdAt: sql`excluded.created_at` },
        })
        .returning();
      for (const s of stored) existing.set(keyOf(s), s);
    }
    return { created, updated, unchanged: wanted.length - created - updated, records: rows.map((r) => existing.get(keyOf(r))!) };
  });
}

/** Up to limit + 1 of a student's records, newest week first (then newest written), after a cursor. */
export async function progressOfStudent(db: Db, studentId: number, page: { limit: number; after?: [string, number] }): Promise<ProgressRecordRow[]> {
  const after = page.after;
  return db
    .select()
    .from(progressRecords)
    .where(
      and(
        eq(progressRecords.studentId, studentId),
        after ? or(lt(progressRecords.week, after[0]), and(eq(progressRecords.week, after[0]), lt(progressRecords.id, after[1]))) : undefined,
      ),
    )
    .orderBy(desc(progressRecords.week), desc(progressRecords.id))
    .limit(page.limit + 1);
}

export interface FreshProgress {
  kind: ProgressKind;
  value: string | null;
  /** The Monday (YYYY-MM-DD) of the record's ISO week. */
  week: string;
}

/**
 * For the weekend nudges: each student's records of `sinceWeek` (a Monday, YYYY-MM-DD) and after,
 * freshest first (newest week, then last written). Students with none are absent from the map.
 */
export async function freshestProgress(db: Db, studentIds: number[], sinceWeek: string): Promise<Map<number, FreshProgress[]>> {
  // An ISO week name (2026-W47) is read as its Monday, the form the records store.
  const since = /^\d{4}-W\d{2}$/.test(sinceWeek) ? DateTime.fromISO(sinceWeek).toISODate() ?? sinceWeek : sinceWeek;
  const out = new Map<number, FreshProgress[]>();
  const ids = [...new Set(studentIds)];
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const rows = await db
      .select({ studentId: progressRecords.studentId, kind: progressRecords.kind, value: progressRecords.value, week: progressRecords.week })
      .from(progressRecords)
      .where(and(inArray(progressRecords.studentId, valuesOf('students', 'id', ids.slice(i, i + ID_CHUNK))), gte(progressRecords.week, since)))
      .orderBy(asc(progressRecords.studentId), desc(progressRecords.week), desc(progressRecords.createdAt), desc(progressRecords.id));
    for (const r of rows) {
      const list = out.get(r.studentId) ?? [];
      if (!list.length) out.set(r.studentId, list);
      list.push({ kind: r.kind as ProgressKind, value: r.value, week: r.week });
    }
  }
  return out;
}
