import { Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type InboundJob } from '../src/queue/names';
import { followUpInbound } from '../src/messaging/follow-up';

export function startInboundWorker(deps: Deps): Worker<InboundJob> {
  return new Worker<InboundJob>(QUEUE.inbound, (job: Job<InboundJob>) => followUpInbound(deps, job.data), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    concurrency: 10,
  });
}
