import type { Worker } from 'bullmq';
import type { Deps } from '../src/deps';
import { startSendWorker } from './send.worker';
import { startInboundWorker } from './inbound.worker';
import { startTickWorker } from './tick.worker';
import { startRosterImportWorker } from './roster-import.worker';
import { startNudgeWorker } from './nudge.worker';
import { startBroadcastWorker } from './broadcast.worker';

export interface Workers {
  close(): Promise<void>;
}

/** Starts every worker of the worker role; failures are logged, the jobs themselves keep the state. */
export async function startWorkers(deps: Deps): Promise<Workers> {
  const workers: Worker[] = [startSendWorker(deps), startInboundWorker(deps), await startTickWorker(deps), startRosterImportWorker(deps), await startNudgeWorker(deps), startBroadcastWorker(deps)];
  for (const w of workers) {
    w.on('failed', (job, err) => {
      deps.logger.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
    });
    w.on('error', (err) => deps.logger.error({ queue: w.name, err }, 'worker error'));
  }
  return {
    async close() {
      await Promise.all(workers.map(async (w) => {
        await w.close();
        await (w.opts.connection as { quit?: () => Promise<unknown> }).quit?.();
      }));
    },
  };
}
