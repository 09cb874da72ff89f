import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { dialectSql } from '../dialects/differences';
import { affectedRows, first } from '../query';
import { rosterImportChunks, rosterImports } from '../schema';

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

function visible(vis: ImportVisibility): SQL | undefined {
  if (vis.schoolIds === null) return undefined;
  const own = eq(rosterImports.staffId, vis.staffId);
  // The target school lives in the options JSON (the table has no school column), as text.
  const schoolOf = dialectSql().jsonText(rosterImports.options, 'schoolId');
  return vis.schoolIds.length ? or(own, inArray(schoolOf, vis.schoolIds.map(String))) : own;
}

export async function insertImport(db: Db, row: NewRosterImport): Promise<RosterImportRow> {
  const [created] = await db.insert(rosterImports).values(row).returning();
  return created;
}

export async function findImport(db: Db, id: number, vis?: ImportVisibility): Promise<RosterImportRow | undefined> {
  return first(db.select().from(rosterImports).where(and(eq(rosterImports.id, id), vis ? visible(vis) : undefined)));
}

/** Newest first; up to limit + 1 rows so the caller can tell whether another page exists. */
export async function listImports(db: Db, vis: ImportVisibility, page: { limit: number; beforeId?: number }): Promise<RosterImportRow[]> {
  return db
    .select()
    .from(rosterImports)
    .where(and(visible(vis), page.beforeId !== undefined ? lt(rosterImports.id, page.beforeId) : undefined))
    .orderBy(desc(rosterImports.id))
    .limit(page.limit + 1);
}

export async function updateImport(db: Db, id: number, patch: RosterImportPatch): Promise<void> {
  await db.update(rosterImports).set(patch).where(eq(rosterImports.id, id));
}

/**
 * queued/running → running. A finished import is never started again, so a job BullMQ
 * delivers twice (a stalled lock, a re-added id) does not import the file a second time.
 */
export async function startImport(db: Db, id: number): Promise<RosterImportRow | undefined> {
  return first(
    db
      .update(rosterImports)
      .set({ status: 'running', error: null })
      .where(and(eq(rosterImports.id, id), inArray(rosterImports.status, ['queued', 'running'])))
      .returning(),
  );
}

/** Records an import failed unless it has finished meanwhile: for an import given up without running to the end. */
export async function failUnfinishedImport(db: Db, id: number, patch: { error: string; finishedAt: string }): Promise<boolean> {
  const changed = await db
    .update(rosterImports)
    .set({ status: 'failed', error: patch.error, finishedAt: patch.finishedAt })
    .where(and(eq(rosterImports.id, id), inArray(rosterImports.status, ['queued', 'running'])));
  return affectedRows(changed) > 0;
}

/** One piece of an import's uploaded file; `seq` counts from 0 in file order. */
export async function insertChunk(db: Db, importId: number, seq: number, data: Buffer): Promise<void> {
  await db.insert(rosterImportChunks).values({ importId, seq, data });
}

/** The piece `seq` of an import's file, or undefined past its last one. One at a time keeps memory flat. */
export async function findChunk(db: Db, importId: number, seq: number): Promise<Buffer | undefined> {
  const row = await first(
    db
      .select({ data: rosterImportChunks.data })
      .from(rosterImportChunks)
      .where(and(eq(rosterImportChunks.importId, importId), eq(rosterImportChunks.seq, seq))),
  );
  return row?.data;
}

export async function deleteChunks(db: Db, importId: number): Promise<void> {
  await db.delete(rosterImportChunks).where(eq(rosterImportChunks.importId, importId));
}
