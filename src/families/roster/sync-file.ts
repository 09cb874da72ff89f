/**
 * The heavy part of a roster import, apart from the rest (welcome texts, queues, i18n) so that a
 * process of its own can run it loading little more than the database (workers/roster-import.child.ts).
 */
import type { Deps } from '../../deps';
import type { ImportScope } from '../../staff/scope';
import { removeStaleStages } from '../../../db/repositories/roster-stage';
import { importTransaction } from '../../../db/repositories/roster-transaction';
import { ImportMeter } from './limits';
import { readRoster } from './read';
import type { ImportReport } from './report';
import { syncRoster } from './sync';

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
 * The heavy part of an import, in the process that calls it: the file read into a stage, then
 * synced in the import's one transaction, both within the import's limits (ROSTER_MAX_*, time
 * included: checked between the sync's steps, so a sync past it rolls back). Every wait is
 * asynchronous, but reading and working out households are CPU work of their own (seconds for a
 * district).
 */
export async function syncRosterFile(deps: Pick<Deps, 'db' | 'config' | 'clock' | 'logger'>, req: SyncRequest, onStaged?: () => void): Promise<ImportReport> {
  const meter = new ImportMeter(deps.config.rosterLimits, deps.clock);
  const stale = removeStaleStages();
  if (stale) deps.logger.warn({ stale }, 'removed roster stages left behind by imports that did not finish');
  const staged = await readRoster(req.path, { format: req.format, meter });
  onStaged?.(); // where `npm run bench -- import` splits parsing from the sync
  try {
    meter.checkTime();
    const checkpoint = () => meter.checkTime();
    const { report } = await importTransaction(deps.db, staged.stage, req.dryRun, (tx) =>
      syncRoster(tx, staged, { scope: req.scope, timezone: req.timezone, from: req.from, now: req.now, welcome: req.welcome, checkpoint }, req.dryRun),
    );
    return report;
  } finally {
    staged.stage.dispose();
  }
}
