import { and, asc, desc, eq, gte, inArray } from 'drizzle-orm';
import type { Db } from '../client';
import { progressRecords, type ProgressKind } from '../schema';

export type ProgressRecordRow = typeof progressRecords.$inferSelect;
export type NewProgressRecord = typeof progressRecords.$inferInsert;

// Eleven columns a row: 50 rows stay far under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 50;

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

/**
 * STAND-IN for progress-api's read (dropped on merge, theirs wins): per student, its records
 * since `sinceWeek` (a Monday, YYYY-MM-DD), freshest first.
 */
export async function freshestProgress(
  db: Db,
  studentIds: number[],
  sinceWeek: string,
): Promise<Map<number, { kind: ProgressKind; value: string | null; week: string }[]>> {
  const out = new Map<number, { kind: ProgressKind; value: string | null; week: string }[]>();
  if (!studentIds.length) return out;
  const rows = await db
    .select({ studentId: progressRecords.studentId, kind: progressRecords.kind, value: progressRecords.value, week: progressRecords.week })
    .from(progressRecords)
    .where(and(inArray(progressRecords.studentId, studentIds), gte(progressRecords.week, sinceWeek)))
    .orderBy(desc(progressRecords.week), desc(progressRecords.id));
  for (const r of rows) {
    const list = out.get(r.studentId) ?? [];
    list.push({ kind: r.kind as ProgressKind, value: r.value, week: r.week });
    out.set(r.studentId, list);
  }
  return out;
}
