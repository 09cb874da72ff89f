import { Worker } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE } from '../src/queue/names';
import { registerNudgeScheduler } from '../src/nudges/schedule';
import { runNudgeTick } from '../src/nudges/tick';

/** Registers the every-minute scheduler and runs each tick; one at a time per process. */
export async function startNudgeWorker(deps: Deps): Promise<Worker> {
  await registerNudgeScheduler(deps.queues);
  return new Worker(QUEUE.nudges, async () => runNudgeTick(deps), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    concurrency: 1,
  });
}
