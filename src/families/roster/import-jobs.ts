import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { isoNow } from '../../lib/clock';
import { enqueueRosterImport } from '../../queue/queues';
import { getSchool } from '../../staff/schools';
import { importScopeOf, requireThat, type StaffPrincipal } from '../../staff/scope';
import * as repo from '../../../db/repositories/roster-imports';
import { importRoster, type SyncFile } from './import';
import { RosterFileError } from './model';

/**
 * Roster imports uploaded through the API: recorded, queued, run by workers/roster-import.worker.ts.
 * The uploaded file waits on disk next to the database, which the web and worker roles already
 * share (SQLite), or in a folder per database in the system's temporary folder (PostgreSQL: the
 * web and worker roles that take a school's uploads must share it); it is deleted once the
 * import has run, whatever the outcome.
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
  /** The file as received; createImport takes it over (moves it, or deletes it on failure). */
  upload: { path: string; originalName: string };
}

export type ImportOutcome = { kind: 'succeeded' } | { kind: 'failed'; message: string } | { kind: 'skipped' };

/**
 * `<directory of the database file>/imports`: outside the repository, beside the data it feeds.
 * PostgreSQL has no such directory: `<TMPDIR>/familyline-imports/<host>-<port>-<database>`.
 */
export function importsDir(config: Pick<Config, 'databaseUrl'>): string {
  if (/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    const url = new URL(config.databaseUrl);
    const name = `${url.hostname}-${url.port || '5432'}-${url.pathname.slice(1) || 'postgres'}`.replace(/[^\w.-]/g, '_');
    return path.join(os.tmpdir(), 'familyline-imports', name);
  }
  const file = config.databaseUrl.replace(/^file:/, '');
  return path.join(file === ':memory:' ? os.tmpdir() : path.dirname(path.resolve(file)), 'imports');
}

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

export async function createImport(deps: Pick<Deps, 'db' | 'clock' | 'queues' | 'config'>, who: StaffPrincipal, input: NewImport): Promise<ImportRecord> {
  let dir: string | null = null;
  try {
    requireThat(mayImport(who), 'Only a school or district admin may import a roster');
    if (input.schoolId !== undefined) await getSchool(deps, who, input.schoolId); // outside the caller's scope: 404, like any hidden row
    const scope = importScopeOf(who, input.schoolId);
    const { upload, dryRun, ...rest } = input;
    const options: ImportOptions = { ...rest, schoolId: scope.schoolId ?? undefined };
    const row = await repo.insertImport(deps.db, {
      format: options.format ?? null,
      status: 'queued',
      dryRun,
      options: JSON.stringify(options),
      filePath: null,
      staffId: who.id,
      createdAt: isoNow(deps.clock),
    });
    // One folder per import keeps the uploader's file name, so the import's messages and row
    // errors name the file the data manager knows ("roster.csv:12"), not a storage name.
    dir = path.join(importsDir(deps.config), `${row.id}-${crypto.randomBytes(6).toString('hex')}`);
    await fs.mkdir(dir, { recursive: true });
    const filePath = path.join(dir, safeName(upload.originalName));
    await fs.rename(upload.path, filePath);
    await repo.updateImport(deps.db, row.id, { filePath });
    try {
      await enqueueRosterImport(deps.queues, row.id);
    } catch (err) {
      await repo.updateImport(deps.db, row.id, { status: 'failed', error: 'The import could not be queued; upload the file again.', filePath: null, finishedAt: isoNow(deps.clock) });
      throw err;
    }
    return { ...row, filePath };
  } catch (err) {
    await Promise.all([fs.rm(input.upload.path, { force: true }), dir ? fs.rm(dir, { recursive: true, force: true }) : null]);
    throw err;
  }
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
  try {
    if (!row.filePath) throw new RosterFileError('The uploaded file is no longer stored; upload it again.', '');
    const { schoolId, ...rest } = options;
    const report = await importRoster(deps, { ...rest, scope: { schoolId: schoolId ?? null }, path: row.filePath, dryRun: row.dryRun }, sync);
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
  }
}

/**
 * An import whose job the queue gave up on without it running to the end: BullMQ starts a job
 * again after the process running it died (a restart, memory), but only so often (see
 * roster-import.worker.ts). Recorded failed with the reason, its file deleted, so it neither
 * runs again nor shows as running forever. False when the import had finished already.
 */
export async function giveUpImport(deps: Pick<Deps, 'db' | 'clock' | 'logger' | 'config'>, importId: number, starts: number): Promise<boolean> {
  const error =
    `Import ${importId} was cut short before it finished as often as an import may be (FamilyLine was restarted or stopped while it ran), ` +
    'so it is not run again. Upload the file again; importing the same file twice is safe.';
  const row = await repo.findImport(deps.db, importId);
  if (!row || (row.status !== 'queued' && row.status !== 'running')) return false;
  deps.logger.error({ importId, starts }, 'roster import given up: it never ran to the end');
  await removeUpload(deps, row);
  return repo.failUnfinishedImport(deps.db, importId, { error, finishedAt: isoNow(deps.clock) });
}

/** Deletes the upload, then records the outcome: a finished import has left no file behind. */
async function finish(deps: Pick<Deps, 'db' | 'clock' | 'logger' | 'config'>, row: ImportRecord, patch: repo.RosterImportPatch): Promise<void> {
  await removeUpload(deps, row);
  await repo.updateImport(deps.db, row.id, { ...patch, filePath: null, finishedAt: isoNow(deps.clock) });
}

async function removeUpload(deps: Pick<Deps, 'logger' | 'config'>, row: ImportRecord): Promise<void> {
  // The folder is removed whole, so make sure it is one createImport made.
  if (row.filePath && path.dirname(path.dirname(row.filePath)) === importsDir(deps.config)) {
    // A leftover file is untidy, not a failed import: log it and keep the outcome.
    await fs.rm(path.dirname(row.filePath), { recursive: true, force: true }).catch((err) => deps.logger.warn({ importId: row.id, err }, 'could not delete an imported roster file'));
  }
}

/** The uploader's base name, limited to characters that are safe in any file system. */
function safeName(original: string): string {
  const base = path.posix.basename(original.replace(/\\/g, '/')).normalize('NFC');
  const safe = base.replace(/[^\p{L}\p{N}._ -]/gu, '_').replace(/^[.\s]+/, '').slice(-120);
  return safe || 'roster.csv';
}
