import { IANAZone } from 'luxon';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { isoNow } from '../../lib/clock';
import { toE164 } from '../../lib/phone';
import type { ImportScope } from '../../staff/scope';
import { inImportTransaction } from '../../../db/repositories/roster';
import { removeStaleStages } from '../../../db/repositories/roster-stage';
import { ImportMeter } from './limits';
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

/**
 * Reads a roster export into a stage on disk, syncs it in one transaction, then welcomes the
 * families it added.
 * A file that cannot be read, or is past one of the limits (ROSTER_MAX_*, time included), fails
 * before anything is written; a rejected row is reported and the rest imports.
 */
export async function importRoster(deps: ImportDeps, req: ImportRequest): Promise<ImportReport> {
  const timezone = req.timezone ?? deps.config.defaultTimezone;
  if (!IANAZone.isValidZone(timezone)) throw AppError.validation({ timezone: 'not an IANA time zone' }, `--timezone ${timezone} is not a time zone such as America/Chicago`);
  const from = req.from === undefined ? null : toE164(req.from);
  if (req.from !== undefined && !from) throw AppError.validation({ from: 'not a phone number' }, `--from ${req.from} is not a phone number`);
  const welcome = (req.welcome ?? true) && !req.dryRun;
  if (welcome && !deps.queues) throw new Error('Welcome texts need Redis; run with --no-welcome or start Redis');

  const started = Date.now();
  const meter = new ImportMeter(deps.config.rosterLimits, deps.clock);
  const stale = removeStaleStages();
  if (stale) deps.logger.warn({ stale }, 'removed roster stages left behind by imports that did not finish');
  const staged = await readRoster(req.path, { format: req.format, meter });
  const now = isoNow(deps.clock);
  let report: ImportReport;
  try {
    meter.checkTime();
    const checkpoint = () => meter.checkTime();
    ({ report } = staged.stage.attached(deps.db, () =>
      inImportTransaction(deps.db, Boolean(req.dryRun), (tx) =>
        syncRoster(tx, staged, { scope: req.scope, timezone, from, now, welcome, checkpoint }, Boolean(req.dryRun)),
      ),
    ));
  } finally {
    staged.stage.dispose();
  }
  if (welcome) report.welcomes.queued = await welcomeFamilies({ ...deps, queues: deps.queues! });
  deps.logger.info(
    { format: report.format, dryRun: report.dryRun, students: report.students, families: report.families, rejected: report.rejected.total, ms: Date.now() - started },
    'roster import finished',
  );
  return report;
}
