import { IANAZone } from 'luxon';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { isoNow } from '../../lib/clock';
import { toE164 } from '../../lib/phone';
import type { ImportScope } from '../../staff/scope';
import { removeStaleStages } from '../../../db/repositories/roster-stage';
import { importTransaction } from '../../../db/repositories/roster-transaction';
import { readRoster } from './read';
import type { ImportReport } from './report';
import { syncRoster } from './sync';
import { welcomeFamilies } from './welcome';

export interface ImportRequest {
  path: string;
  format?: 'oneroster' | 'flat';
  /** The schools the import acts in, worked out from its caller (importScopeOf, cliImportScope). */
  scope: ImportScope;
  timezone?: string;
  from?: string;
  dryRun?: boolean;
  welcome?: boolean;
}

/** Without queues (a CLI with no Redis) an import can still run with welcome texts off. */
export type ImportDeps = Pick<Deps, 'db' | 'config' | 'clock' | 'logger'> & Partial<Pick<Deps, 'queues'>>;

/** An import request checked and completed: what reading and syncing the file takes, as plain data. */
export interface SyncRequest {
  path: string;
  format?: 'oneroster' | 'flat';
  scope: ImportScope;
  timezone: string;
  from: string | null;
  dryRun: boolean;
  /** Mark the families the import adds for a welcome text. */
  welcome: boolean;
  /** The import's time, stamped on every row it writes. */
  now: string;
}

/** Reads and syncs a roster file: in this process (syncRosterFile) or in one of its own (workers/roster-import.worker.ts). */
export type SyncFile = (deps: Pick<Deps, 'db' | 'config' | 'clock' | 'logger'>, req: SyncRequest) => Promise<ImportReport>;

/**
 * Reads a roster export into a stage on disk, syncs it in one transaction, then welcomes the
 * families it added.
 * A file that cannot be read fails before anything is written; a rejected row is reported and
 * the rest imports.
 */
export async function importRoster(deps: ImportDeps, req: ImportRequest, sync: SyncFile = syncRosterFile): Promise<ImportReport> {
  const timezone = req.timezone ?? deps.config.defaultTimezone;
  if (!IANAZone.isValidZone(timezone)) throw AppError.validation({ timezone: 'not an IANA time zone' }, `--timezone ${timezone} is not a time zone such as America/Chicago`);
  const from = req.from === undefined ? null : toE164(req.from);
  if (req.from !== undefined && !from) throw AppError.validation({ from: 'not a phone number' }, `--from ${req.from} is not a phone number`);
  const dryRun = Boolean(req.dryRun);
  const welcome = (req.welcome ?? true) && !dryRun;
  if (welcome && !deps.queues) throw new Error('Welcome texts need Redis; run with --no-welcome or start Redis');

  const started = Date.now();
  const report = await sync(deps, { path: req.path, format: req.format, scope: req.scope, timezone, from, dryRun, welcome, now: isoNow(deps.clock) });
  if (welcome) report.welcomes.queued = await welcomeFamilies({ ...deps, queues: deps.queues! });
  deps.logger.info(
    { format: report.format, dryRun: report.dryRun, students: report.students, families: report.families, rejected: report.errors.length, ms: Date.now() - started },
    'roster import finished',
  );
  return report;
}

/**
 * The heavy part of an import, in the process that calls it: the file read into a stage, then
 * synced in the import's one transaction. Every wait is asynchronous, but reading and working
 * out households are CPU work of their own (seconds for a district).
 */
export async function syncRosterFile(deps: Pick<Deps, 'db' | 'logger'>, req: SyncRequest): Promise<ImportReport> {
  const stale = removeStaleStages();
  if (stale) deps.logger.warn({ stale }, 'removed roster stages left behind by imports that did not finish');
  const staged = await readRoster(req.path, { format: req.format });
  try {
    const { report } = await importTransaction(deps.db, staged.stage, req.dryRun, (tx) =>
      syncRoster(tx, staged, { scope: req.scope, timezone: req.timezone, from: req.from, now: req.now, welcome: req.welcome }, req.dryRun),
    );
    return report;
  } finally {
    staged.stage.dispose();
  }
}
