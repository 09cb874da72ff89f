import { Worker } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE } from '../src/queue/names';
import { recoverOutbound } from '../src/messaging/recover';
import { lookUpUnsettled } from '../src/messaging/reconcile';
import { recoverBroadcasts } from '../src/reminders/recover';

export const TICK_EVERY_MS = 60_000;

/** Registers (or updates) the tick's scheduler: one for all worker processes (BullMQ keeps a single schedule per id). */
export async function registerTickScheduler(queues: Pick<Deps['queues'], 'tick'>): Promise<void> {
  await queues.tick.upsertJobScheduler('recover-stranded', { every: TICK_EVERY_MS }, { name: 'recover-stranded' });
}

export async function startTickWorker(deps: Deps): Promise<Worker> {
  await registerTickScheduler(deps.queues);
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
