import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { progressRecords } from '../schema';

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
