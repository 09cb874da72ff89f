import type { Worker } from 'bullmq';
import type { Deps } from '../src/deps';
import { startSendWorker } from './send.worker';
import { startInboundWorker } from './inbound.worker';
import { registerTickScheduler, startTickWorker } from './tick.worker';
import { startRosterImportWorker } from './roster-import.worker';
import { startNudgeWorker } from './nudge.worker';
import { registerNudgeScheduler } from '../src/nudges/schedule';
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
  // The schedules live in Redis. One that comes back without its data (no persistence, a
  // failover to an empty replica) would never tick again, and the tick is what gives lost jobs
  // back (src/messaging/recover.ts, src/reminders/recover.ts): so each reconnection registers
  // them again (an existing schedule is only updated).
  const reschedule = () => {
    Promise.all([registerTickScheduler(deps.queues), registerNudgeScheduler(deps.queues)]).catch((err) =>
      deps.logger.error({ err }, 'could not register the job schedules again after Redis reconnected'),
    );
  };
  deps.redis.on('ready', reschedule);
  return {
    async close() {
      deps.redis.off('ready', reschedule);
      await Promise.all(workers.map(async (w) => {
        await w.close();
        await (w.opts.connection as { quit?: () => Promise<unknown> }).quit?.();
      }));
    },
  };
}
