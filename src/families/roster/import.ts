import { IANAZone } from 'luxon';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { isoNow } from '../../lib/clock';
import { toE164 } from '../../lib/phone';
import type { ImportScope } from '../../staff/scope';
import type { ImportReport } from './report';
import { syncRosterFile, type SyncFile } from './sync-file';
import { welcomeFamilies } from './welcome';

export type { SyncFile, SyncRequest } from './sync-file';

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

/**
 * Reads a roster export into a stage on disk, syncs it in one transaction, then welcomes the
 * families it added.
 * A file that cannot be read, or is past one of the limits (ROSTER_MAX_*, time included), fails
 * before anything is written; a rejected row is reported and the rest imports.
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
    { format: report.format, dryRun: report.dryRun, students: report.students, families: report.families, rejected: report.rejected.total, ms: Date.now() - started },
    'roster import finished',
  );
  return report;
}
