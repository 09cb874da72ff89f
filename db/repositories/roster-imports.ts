import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { rosterImports } from '../schema';

export type RosterImportRow = typeof rosterImports.$inferSelect;
export type NewRosterImport = Omit<typeof rosterImports.$inferInsert, 'id'>;
export type RosterImportPatch = Partial<Omit<NewRosterImport, 'createdAt' | 'staffId' | 'options'>>;

/**
 * Which imports a caller may read: their own uploads, plus every import into one of
 * `schoolIds` (null: every import). Built by src/families/roster/import-jobs.ts.
 */
export interface ImportVisibility {
  staffId: number;
  schoolIds: number[] | null;
}

/*
 * The target school lives in the options JSON (the table has no school column). json_extract is
 * SQLite's spelling; PostgreSQL's is options::json->>'schoolId'. Kept here so only db/ knows.
 */
const schoolOf = sql`json_extract(${rosterImports.options}, '$.schoolId')`;

function visible(vis: ImportVisibility): SQL | undefined {
  if (vis.schoolIds === null) return undefined;
  const own = eq(rosterImports.staffId, vis.staffId);
  return vis.schoolIds.length ? or(own, inArray(schoolOf, vis.schoolIds)) : own;
}

export async function insertImport(db: Db, row: NewRosterImport): Promise<RosterImportRow> {
  return db.insert(rosterImports).values(row).returning().get();
}

export async function findImport(db: Db, id: number, vis?: ImportVisibility): Promise<RosterImportRow | undefined> {
  return db
    .select()
    .from(rosterImports)
    .where(and(eq(rosterImports.id, id), vis ? visible(vis) : undefined))
    .get();
}

/** Newest first; up to limit + 1 rows so the caller can tell whether another page exists. */
export async function listImports(db: Db, vis: ImportVisibility, page: { limit: number; beforeId?: number }): Promise<RosterImportRow[]> {
  return db
    .select()
    .from(rosterImports)
    .where(and(visible(vis), page.beforeId !== undefined ? lt(rosterImports.id, page.beforeId) : undefined))
    .orderBy(desc(rosterImports.id))
    .limit(page.limit + 1)
    .all();
}

export async function updateImport(db: Db, id: number, patch: RosterImportPatch): Promise<void> {
  db.update(rosterImports).set(patch).where(eq(rosterImports.id, id)).run();
}

/**
 * queued/running → running. A finished import is never started again, so a job BullMQ
 * delivers twice (a stalled lock, a re-added id) does not import the file a second time.
 */
export async function startImport(db: Db, id: number): Promise<RosterImportRow | undefined> {
  return db
    .update(rosterImports)
    .set({ status: 'running', error: null })
    .where(and(eq(rosterImports.id, id), inArray(rosterImports.status, ['queued', 'running'])))
    .returning()
    .get();
}

/** Records an import failed unless it has finished meanwhile: for an import given up without running to the end. */
export async function failUnfinishedImport(db: Db, id: number, patch: { error: string; finishedAt: string }): Promise<boolean> {
  const changed = db
    .update(rosterImports)
    .set({ status: 'failed', error: patch.error, finishedAt: patch.finishedAt, filePath: null })
    .where(and(eq(rosterImports.id, id), inArray(rosterImports.status, ['queued', 'running'])))
    .run();
  return changed.changes > 0;
}
