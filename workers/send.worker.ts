import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type SendJob } from '../src/queue/names';
import { deliverMessage } from '../src/messaging/deliver';

/** Parses the job, calls deliverMessage, and turns its outcome into BullMQ's terms. */
export function sendProcessor(deps: Deps) {
  return async (job: Job<SendJob>, token?: string): Promise<string> => {
    const outcome = await deliverMessage(deps, job.data.messageId, {
      paced: job.data.pacedAttempt === job.attemptsMade,
      lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    });
    if (outcome.kind === 'later') {
      await job.updateData({ ...job.data, pacedAttempt: outcome.paced ? job.attemptsMade : undefined });
      await job.moveToDelayed(outcome.atMs, token);
      throw new DelayedError();
    }
    if (outcome.kind === 'failed') throw new UnrecoverableError(`permanent failure ${outcome.code ?? ''}: ${outcome.message}`);
    return outcome.status;
  };
}

export function startSendWorker(deps: Deps): Worker<SendJob> {
  return new Worker<SendJob>(QUEUE.send, sendProcessor(deps), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    concurrency: 50,
  });
}
