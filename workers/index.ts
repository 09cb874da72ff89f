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
      await Promise.all(workers.map((w) => closeWorker(deps, w)));
    },
  };
}

/**
 * How long a worker may take to close (its running jobs finishing) before its connections are cut.
 * After Redis restarted, BullMQ's close can wait for ever on its blocking connection (seen in
 * redis-data-loss.test.ts), and a process that never exits holds a deploy until it is killed. Cut
 * short, a job still running is taken for stalled and run again by another worker; the send claim
 * keeps a text from leaving twice.
 */
export const WORKER_CLOSE_MS = 10_000;

async function closeWorker(deps: Deps, w: Worker): Promise<void> {
  const connection = w.opts.connection as { quit(): Promise<unknown>; disconnect(): void };
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    w.close().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), WORKER_CLOSE_MS))),
  ]);
  clearTimeout(timer);
  if (inTime) {
    await connection.quit();
    return;
  }
  deps.logger.warn({ queue: w.name, afterMs: WORKER_CLOSE_MS }, 'worker did not close in time; its Redis connections are cut');
  connection.disconnect();
  // Not awaited: it may wait on the very connection that held the close up.
  w.disconnect().catch((err: unknown) => deps.logger.warn({ queue: w.name, err }, 'worker connections could not be cut cleanly'));
}
