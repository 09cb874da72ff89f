import fs from 'node:fs/promises';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { isoNow } from '../../lib/clock';
import { enqueueRosterImport } from '../../queue/queues';
import { getSchool } from '../../staff/schools';
import { importScopeOf, requireThat, type StaffPrincipal } from '../../staff/scope';
import * as repo from '../../../db/repositories/roster-imports';
import { importRoster, type SyncFile } from './import';
import { RosterFileError } from './model';
import { deleteUpload, fetchUpload, safeName, storeUpload, type FetchedUpload } from './upload-store';

/**
 * Roster imports uploaded through the API: recorded, queued, run by workers/roster-import.worker.ts.
 * The uploaded file is stored in the database with its import (upload-store.ts), so whichever
 * worker host takes the job reads it there: web and worker roles on different hosts share
 * nothing but the database and Redis. The stored file is deleted once the import has run,
 * whatever the outcome, or when it is given up.
 */

export type ImportRecord = repo.RosterImportRow;

/** What the import runs with, stored as the row's options JSON. */
export interface ImportOptions {
  format?: 'oneroster' | 'flat';
  /** The import's scope (ImportScope), as createImport worked it out: this school, or the district when absent. */
  schoolId?: number;
  timezone?: string;
  from?: string;
  welcome: boolean;
}

export interface NewImport extends ImportOptions {
  dryRun: boolean;
  /** The file as received; createImport takes it over (stores it in the database, then deletes it). */
  upload: { path: string; originalName: string };
}

export type ImportOutcome = { kind: 'succeeded' } | { kind: 'failed'; message: string } | { kind: 'skipped' };

/** Checked before an upload is read, so a teacher's 200 MB file is refused without storing it. */
export const mayImport = (who: StaffPrincipal) => who.role === 'district_admin' || who.role === 'school_admin';

/**
 * Imports an admin may read: their own, and (admins) every import into a school they cover.
 * An import without a school can touch any school, so only district admins see others' ones.
 */
function importVisibility(who: StaffPrincipal): repo.ImportVisibility {
  if (who.role === 'district_admin') return { staffId: who.id, schoolIds: null };
  const schoolIds = who.role === 'school_admin' && who.schoolId !== null ? [who.schoolId] : [];
  return { staffId: who.id, schoolIds };
}

export async function createImport(deps: Pick<Deps, 'db' | 'clock' | 'queues'>, who: StaffPrincipal, input: NewImport): Promise<ImportRecord> {
  let row: ImportRecord | null = null;
  try {
    requireThat(mayImport(who), 'Only a school or district admin may import a roster');
    if (input.schoolId !== undefined) await getSchool(deps, who, input.schoolId); // outside the caller's scope: 404, like any hidden row
    const scope = importScopeOf(who, input.schoolId);
    const { upload, dryRun, ...rest } = input;
    const options: ImportOptions = { ...rest, schoolId: scope.schoolId ?? undefined };
    row = await repo.insertImport(deps.db, {
      format: options.format ?? null,
      status: 'queued',
      dryRun,
      options: JSON.stringify(options),
      // The uploader's file name, kept so the import's messages and row errors name the file
      // the data manager knows ("roster.csv:12"), not a storage name.
      fileName: safeName(upload.originalName),
      // Set once every piece is stored: an import without it never had its whole file.
      fileBytes: null,
      staffId: who.id,
      createdAt: isoNow(deps.clock),
    });
    const fileBytes = await storeUpload(deps.db, row.id, upload.path);
    await repo.updateImport(deps.db, row.id, { fileBytes });
    row = { ...row, fileBytes };
  } catch (err) {
    // Best effort: the database that refused a piece may refuse this too; the caller hears the first error.
    if (row) await abandon(deps, row.id, 'The uploaded file could not be stored; upload it again.').catch(() => undefined);
    throw err;
  } finally {
    await fs.rm(input.upload.path, { force: true });
  }
  try {
    await enqueueRosterImport(deps.queues, row.id);
  } catch (err) {
    await abandon(deps, row.id, 'The import could not be queued; upload the file again.');
    throw err;
  }
  return row;
}

/** An import that never reached the queue: its stored pieces deleted, recorded failed with why. */
async function abandon(deps: Pick<Deps, 'db' | 'clock'>, importId: number, error: string): Promise<void> {
  await deleteUpload(deps.db, importId);
  await repo.updateImport(deps.db, importId, { status: 'failed', error, finishedAt: isoNow(deps.clock) });
}

export async function getImport(deps: Pick<Deps, 'db'>, who: StaffPrincipal, id: number): Promise<ImportRecord> {
  const row = await repo.findImport(deps.db, id, importVisibility(who));
  if (!row) throw AppError.notFound(`Roster import ${id}`);
  return row;
}

export async function listImports(deps: Pick<Deps, 'db'>, who: StaffPrincipal, page: { limit: number; beforeId?: number }): Promise<ImportRecord[]> {
  return repo.listImports(deps.db, importVisibility(who), page);
}

/**
 * Runs one queued import. A file that cannot be imported (RosterFileError, AppError), a file past
 * a limit included, is a recorded failure, never retried: the same bytes fail the same way.
 * Anything else (a crash, the database busy) is thrown for the queue to retry, which is safe
 * because the import is one transaction and a sync; on the last attempt it too becomes a
 * recorded failure.
 */
export async function runImport(deps: Deps, importId: number, attempt: { lastAttempt: boolean }, sync?: SyncFile): Promise<ImportOutcome> {
  const row = await repo.startImport(deps.db, importId);
  if (!row) return { kind: 'skipped' }; // already finished, or deleted: a duplicate delivery
  const options = JSON.parse(row.options) as ImportOptions;
  let file: FetchedUpload | null = null;
  try {
    file = await fetchUpload(deps.db, { importId: row.id, fileName: row.fileName, fileBytes: row.fileBytes });
    const { schoolId, ...rest } = options;
    const report = await importRoster(deps, { ...rest, scope: { schoolId: schoolId ?? null }, path: file.path, dryRun: row.dryRun }, sync);
    await finish(deps, row, { status: 'succeeded', format: report.format, report: JSON.stringify(report) });
    return { kind: 'succeeded' };
  } catch (err) {
    const permanent = err instanceof RosterFileError || err instanceof AppError;
    if (!permanent && !attempt.lastAttempt) {
      deps.logger.warn({ importId, err }, 'roster import failed; it will be retried');
      await repo.updateImport(deps.db, importId, { status: 'queued' });
      throw err;
    }
    if (!permanent) deps.logger.error({ importId, err }, 'roster import failed on its last attempt');
    // Only our own messages reach the client: an unexpected error's text may hold internals.
    const message = permanent
      ? (err as Error).message
      : `The import stopped because of an error on our side (import ${importId}). Upload the file again; importing the same file twice is safe.`;
    await finish(deps, row, { status: 'failed', error: message });
    return { kind: 'failed', message };
  } finally {
    // This host's copy goes every time; the stored file stays for a retry until finish().
    await file?.dispose();
  }
}

/**
 * An import whose job the queue gave up on without it running to the end: BullMQ starts a job
 * again after the process running it died (a restart, memory), but only so often (see
 * roster-import.worker.ts). Recorded failed with the reason, its stored file deleted, so it neither
 * runs again nor shows as running forever. False when the import had finished already.
 */
export async function giveUpImport(deps: Pick<Deps, 'db' | 'clock' | 'logger'>, importId: number, starts: number): Promise<boolean> {
  const error =
    `Import ${importId} was cut short before it finished as often as an import may be (FamilyLine was restarted or stopped while it ran), ` +
    'so it is not run again. Upload the file again; importing the same file twice is safe.';
  const row = await repo.findImport(deps.db, importId);
  if (!row || (row.status !== 'queued' && row.status !== 'running')) return false;
  deps.logger.error({ importId, starts }, 'roster import given up: it never ran to the end');
  await deleteUpload(deps.db, importId);
  return repo.failUnfinishedImport(deps.db, importId, { error, finishedAt: isoNow(deps.clock) });
}

/** Deletes the stored file, then records the outcome: a finished import has left no file behind. */
async function finish(deps: Pick<Deps, 'db' | 'clock'>, row: ImportRecord, patch: repo.RosterImportPatch): Promise<void> {
  await deleteUpload(deps.db, row.id);
  await repo.updateImport(deps.db, row.id, { ...patch, finishedAt: isoNow(deps.clock) });
}
