import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  QUEUE,
  inboundJobId,
  rosterImportJobId,
  sendJobId,
  spooledWebhookJobId,
  type InboundJob,
  type RosterImportJob,
  type SendJob,
  type SpooledWebhook,
} from './names';

export interface Queues {
  send: Queue<SendJob>;
  /** Follow-ups of stored texts, and webhooks kept while the database was busy. */
  inbound: Queue<InboundJob | SpooledWebhook>;
  tick: Queue;
  rosterImport: Queue<RosterImportJob>;
  close(): Promise<void>;
}

const RESEND_WAIT_MS = 5000;
const RESEND_POLL_MS = 50;

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
  return {
    send,
    inbound,
    tick,
    rosterImport,
    async close() {
      await Promise.all([send.close(), inbound.close(), tick.close(), rosterImport.close()]);
    },
  };
}

/** Enqueueing the same message twice adds one job: the job id is the message id. */
export async function enqueueSend(queues: Queues, messageId: number, delayMs = 0): Promise<void> {
  await queues.send.add('send', { messageId }, { jobId: sendJobId(messageId), delay: Math.max(0, delayMs) });
}

/**
 * A send job for a message that already had one: the finished job (kept a while for the
 * record) gives up its id first. The job that sent the text may still be finishing when the
 * carrier's answer comes back: its send is done, so it is given a few seconds; past that, the
 * tick's recovery (requeueStranded) picks the message up once that job has finished.
 */
export async function enqueueResend(queues: Queues, messageId: number, delayMs: number): Promise<void> {
  for (let waited = 0; waited <= RESEND_WAIT_MS; waited += RESEND_POLL_MS) {
    const old = await queues.send.getJob(sendJobId(messageId));
    const state = old ? await old.getState() : 'missing';
    if (state === 'completed' || state === 'failed') await old!.remove();
    if (state !== 'active') break;
    await new Promise((r) => setTimeout(r, RESEND_POLL_MS));
  }
  await enqueueSend(queues, messageId, delayMs);
}

/** True while a send job for the message may still run (waiting, delayed or active). */
export async function hasLiveSendJob(queues: Queues, messageId: number): Promise<boolean> {
  const job = await queues.send.getJob(sendJobId(messageId));
  return Boolean(job) && !(await job!.isCompleted()) && !(await job!.isFailed());
}

export async function enqueueInbound(queues: Queues, job: InboundJob): Promise<void> {
  await queues.inbound.add('inbound', job, { jobId: inboundJobId(job.messageId) });
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
