import { Worker } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE } from '../src/queue/names';
import { recoverOutbound } from '../src/messaging/recover';

export const TICK_EVERY_MS = 60_000;

/** One scheduler for all worker processes (BullMQ keeps a single schedule per id). */
export async function startTickWorker(deps: Deps): Promise<Worker> {
  await deps.queues.tick.upsertJobScheduler('recover-stranded', { every: TICK_EVERY_MS }, { name: 'recover-stranded' });
  return new Worker(QUEUE.tick, () => recoverOutbound(deps), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    concurrency: 1,
  });
}
