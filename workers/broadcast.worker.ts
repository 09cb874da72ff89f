import { DelayedError, Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type BroadcastJob } from '../src/queue/names';
import { runFanout } from '../src/reminders/fan-out';
import { runBatch } from '../src/reminders/batch';

/** Fan-out and batch send jobs of broadcasts; a batch that must wait for its time or its sender's pace moves itself to delayed. */
export function broadcastProcessor(deps: Deps) {
  return async (job: Job<BroadcastJob>, token?: string): Promise<string> => {
    const data = job.data;
    if (data.kind === 'fanout') {
      await runFanout(deps, data.broadcastId);
      return 'fanned out';
    }
    const outcome = await runBatch(deps, data);
    if (outcome.kind === 'later') {
      await job.moveToDelayed(outcome.atMs, token);
      throw new DelayedError();
    }
    return 'done';
  };
}

/** Broadcast jobs one worker process runs at once: each batch keeps BATCH_CONCURRENCY texts in flight; a few batches at once serve several schools. */
export const BROADCAST_JOBS_AT_ONCE = 8;

export function startBroadcastWorker(deps: Deps): Worker<BroadcastJob> {
  return new Worker<BroadcastJob>(QUEUE.broadcast, broadcastProcessor(deps), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    concurrency: BROADCAST_JOBS_AT_ONCE,
  });
}
