import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE, inboundJobId, sendJobId, type InboundJob, type SendJob } from './names';

export interface Queues {
  send: Queue<SendJob>;
  inbound: Queue<InboundJob>;
  tick: Queue;
  close(): Promise<void>;
}

const keep = { removeOnComplete: { age: 86400, count: 10000 }, removeOnFail: { age: 7 * 86400 } };

export function createQueues(connection: Redis, prefix: string): Queues {
  const send = new Queue<SendJob>(QUEUE.send, {
    connection,
    prefix,
    defaultJobOptions: { ...keep, attempts: 6, backoff: { type: 'exponential', delay: 2000 } },
  });
  const inbound = new Queue<InboundJob>(QUEUE.inbound, {
    connection,
    prefix,
    defaultJobOptions: { ...keep, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  });
  const tick = new Queue(QUEUE.tick, { connection, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 } });
  return {
    send,
    inbound,
    tick,
    async close() {
      await Promise.all([send.close(), inbound.close(), tick.close()]);
    },
  };
}

/** Enqueueing the same message twice adds one job: the job id is the message id. */
export async function enqueueSend(queues: Queues, messageId: number, delayMs = 0): Promise<void> {
  await queues.send.add('send', { messageId }, { jobId: sendJobId(messageId), delay: Math.max(0, delayMs) });
}

export async function enqueueInbound(queues: Queues, job: InboundJob): Promise<void> {
  await queues.inbound.add('inbound', job, { jobId: inboundJobId(job.messageId) });
}
