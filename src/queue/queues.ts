import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { addWithOthers } from './bulk-add';
import {
  QUEUE,
  inboundJobId,
  rosterImportJobId,
  sendJobId,
  spooledWebhookJobId,
  type InboundJob,
  type RosterImportJob,
  type BroadcastJob,
  fanoutJobId,
  batchJobId,
  type SendJob,
  type SpooledWebhook,
} from './names';

export interface Queues {
  send: Queue<SendJob>;
  /** Follow-ups of stored texts, and webhooks kept while the database was busy. */
  inbound: Queue<InboundJob | SpooledWebhook>;
  tick: Queue;
  rosterImport: Queue<RosterImportJob>;
  nudges: Queue;
  broadcast: Queue<BroadcastJob>;
  close(): Promise<void>;
}

/** Runs of one roster import, counting those a crash or restart cut short (see roster-import.worker.ts). */
export const ROSTER_IMPORT_ATTEMPTS = 3;

const keep = { removeOnComplete: { age: 86400, count: 10000 }, removeOnFail: { age: 7 * 86400 } };

export function createQueues(connection: Redis, prefix: string): Queues {
  const send = new Queue<SendJob>(QUEUE.send, {
    connection,
    prefix,
    defaultJobOptions: { ...keep, attempts: 6, backoff: { type: 'exponential', delay: 2000 } },
  });
  const inbound = new Queue<InboundJob | SpooledWebhook>(QUEUE.inbound, {
    connection,
    prefix,
    defaultJobOptions: { ...keep, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  });
  const tick = new Queue(QUEUE.tick, { connection, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 } });
  // Few attempts, far apart: a retry re-reads the whole file, and only a crash or an outage
  // (never a bad file, which fails for good) gets one.
  const rosterImport = new Queue<RosterImportJob>(QUEUE.rosterImport, {
    connection,
    prefix,
    defaultJobOptions: { ...keep, attempts: ROSTER_IMPORT_ATTEMPTS, backoff: { type: 'exponential', delay: 30_000 } },
  });
  // A tick that fails is not retried: the next minute's tick picks up where it stopped.
  const nudges = new Queue(QUEUE.nudges, { connection, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 } });
  // A fan-out or batch that fails (the database was busy) is tried again; the tick's recovery
  // gives a broadcast whose jobs were lost new ones (src/reminders/recover.ts).
  const broadcast = new Queue<BroadcastJob>(QUEUE.broadcast, {
    connection,
    prefix,
    defaultJobOptions: { ...keep, attempts: 8, backoff: { type: 'exponential', delay: 2000 } },
  });
  return {
    send,
    broadcast,
    inbound,
    tick,
    rosterImport,
    nudges,
    async close() {
      await Promise.all([send.close(), inbound.close(), tick.close(), rosterImport.close(), nudges.close(), broadcast.close()]);
    },
  };
}

/**
 * Enqueueing the same message twice on one round adds one job: the job id is the message id and
 * the round (see sendJobId). A new round (a carrier retry, a recovery) is a new job.
 */
export async function enqueueSend(queues: Queues, messageId: number, delayMs = 0, round = 0): Promise<void> {
  const job = sendJob(messageId, delayMs, round);
  await addWithOthers(queues.send, job.name, job.data, job.opts);
}

const sendJob = (messageId: number, delayMs: number, round: number) => ({
  name: 'send',
  data: { messageId },
  opts: { jobId: sendJobId(messageId, round), delay: Math.max(0, delayMs) },
});

/** Many first-round send jobs in one round trip (a nudge tick's page): the same jobs as enqueueSend's. */
export async function enqueueSends(queues: Queues, sends: { messageId: number; delayMs?: number }[]): Promise<void> {
  if (!sends.length) return;
  await queues.send.addBulk(sends.map((s) => sendJob(s.messageId, s.delayMs ?? 0, 0)));
}

/** True while the message's send job for `round` may still run (waiting, delayed or active). */
export async function hasLiveSendJob(queues: Queues, messageId: number, round: number): Promise<boolean> {
  const job = await queues.send.getJob(sendJobId(messageId, round));
  return Boolean(job) && !(await job!.isCompleted()) && !(await job!.isFailed());
}

export async function enqueueInbound(queues: Queues, job: InboundJob): Promise<void> {
  await addWithOthers(queues.inbound, 'inbound', job, { jobId: inboundJobId(job.messageId) });
}

/**
 * Keeps a webhook for the inbound worker. Retried for about an hour (a roster import holds the
 * database for seconds, minutes at worst); removed once applied, since it holds the text.
 */
export async function spoolWebhook(queues: Queues, webhook: SpooledWebhook): Promise<void> {
  await queues.inbound.add('webhook', webhook, {
    jobId: spooledWebhookJobId(webhook),
    attempts: 12,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: true,
  });
}

/** The job id is the import id: enqueueing one import twice runs it once. */
export async function enqueueRosterImport(queues: Queues, importId: number): Promise<void> {
  await queues.rosterImport.add('roster-import', { importId }, { jobId: rosterImportJobId(importId) });
}

/**
 * Priorities make the broadcast queue fair (BullMQ takes the lowest number first): fan-out pages
 * and every broadcast's first page come first, a broadcast's page n after every other broadcast's
 * page n-1. Batch jobs also give their worker back after each round of texts (src/reminders/batch.ts),
 * so a second school's broadcast starts within a round of the first's, however long its backlog.
 */
const MAX_PRIORITY = 2_097_152;

export async function enqueueFanout(queues: Queues, broadcastId: number, cursor: number, delayMs = 0): Promise<void> {
  await queues.broadcast.add('fanout', { kind: 'fanout', broadcastId }, { jobId: fanoutJobId(broadcastId, cursor), delay: Math.max(0, delayMs), priority: 1 });
}

export async function enqueueBatch(queues: Queues, broadcastId: number, page: number, round: number, delayMs = 0): Promise<void> {
  await queues.broadcast.add(
    'batch',
    { kind: 'batch', broadcastId, page, round },
    { jobId: batchJobId(broadcastId, page, round), delay: Math.max(0, delayMs), priority: Math.min(page + 1, MAX_PRIORITY) },
  );
}
