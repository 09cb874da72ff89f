import { Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type InboundJob, type SpooledWebhook } from '../src/queue/names';
import { followUpInbound } from '../src/messaging/follow-up';
import { applyWebhook } from '../src/messaging/webhook-spool';

/** Follow-ups of stored texts ('inbound' jobs), and webhooks kept while the database was busy ('webhook' jobs). */
export function startInboundWorker(deps: Deps): Worker<InboundJob | SpooledWebhook> {
  const run = (job: Job<InboundJob | SpooledWebhook>) => {
    if (job.name !== 'webhook') return followUpInbound(deps, job.data as InboundJob);
    const webhook = job.data as SpooledWebhook;
    return applyWebhook(deps, webhook, webhook.receivedAt);
  };
  return new Worker<InboundJob | SpooledWebhook>(QUEUE.inbound, run, {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    concurrency: 10,
  });
}
