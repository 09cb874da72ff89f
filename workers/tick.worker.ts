import { Worker } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE } from '../src/queue/names';
import { recoverOutbound } from '../src/messaging/recover';
import { lookUpUnsettled } from '../src/messaging/reconcile';
import { recoverBroadcasts } from '../src/reminders/recover';

export const TICK_EVERY_MS = 60_000;

/** One scheduler for all worker processes (BullMQ keeps a single schedule per id). */
export async function startTickWorker(deps: Deps): Promise<Worker> {
  await deps.queues.tick.upsertJobScheduler('recover-stranded', { every: TICK_EVERY_MS }, { name: 'recover-stranded' });
  const tick = async () => {
    await recoverOutbound(deps);
    await lookUpUnsettled(deps);
    await recoverBroadcasts(deps);
  };
  return new Worker(QUEUE.tick, tick, {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    concurrency: 1,
  });
}
