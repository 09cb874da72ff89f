/**
 * The send benchmark's baseline: the hops one message takes from the staff API to "delivered",
 * each role in its own child process, with none of FamilyLine's work (no auth, no database, no
 * claim, no signature, no logging):
 *
 *   client --JSON POST--> web --BullMQ job (Redis)--> worker --twilio SDK create (form)--> sim
 *   sim --form POST "sent", then "delivered" 100 ms later--> web, which counts them
 *
 * The parts are production's: express.json and express.urlencoded with the same limits, a BullMQ
 * queue and a worker with the send worker's concurrency, the real twilio SDK client over the
 * same RequestClient and socket settings, node:http keep-alive callbacks at most 64 at a time.
 * Left out as FamilyLine's work: signing the callbacks (the simulator's) and checking them
 * (the web's), and batching job adds (the web adds each job on its own, as a bare app would).
 *
 * The broadcast benchmark's baseline starts at the worker: the bench adds batch jobs of texts
 * (a broadcast's pages, as its fan-out would), and the worker hands each batch's texts to the
 * carrier as FamilyLine's batch job does, so many jobs at once with so many texts in flight each.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import express from 'express';
import IORedis from 'ioredis';
import twilio from 'twilio';
import { SIM_DEFAULTS } from '../../src/config';
import { SDK_CLIENT_OPTS } from '../../src/channels/twilio/twilio-channel';
import { SimulatorRequestClient } from '../../src/channels/twilio/sim-http-client';
import { messageJson, newSid } from '../../src/channels/sim/twilio-json';
import { BATCH_CONCURRENCY } from '../../src/reminders/batch';
import { BROADCAST_JOBS_AT_ONCE } from '../../workers/broadcast.worker';

export type BareRole = 'web' | 'worker' | 'sim';
export type Started = { url: string | null; close(): Promise<void> };
interface BareJob {
  to: string;
  body: string;
}
export interface BareBatch {
  texts: BareJob[];
}

const QUEUE_NAME = 'send';
/** The queue of the broadcast baseline's batch jobs, which the bench adds itself. */
export const BARE_BATCH_QUEUE = 'broadcast';
const STATUS_PATH = '/webhooks/twilio/status';
/** The simulator's default time between "sent" and "delivered" (src/channels/sim/delivery.ts). */
const DELIVERY_DELAY_MS = 100;
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`bare ${name} missing`);
  return v;
}

const redis = () => new IORedis(env('REDIS_URL'), { maxRetriesPerRequest: null });

async function listen(app: express.Express): Promise<{ server: http.Server; url: string }> {
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => resolve(s));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = (server: http.Server) => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));

/** The API takes a text and queues its job; status callbacks are counted; GET /counts reports them (lastAt: when the last came, epoch ms). */
async function startWeb(): Promise<Started> {
  const connection = redis();
  const queue = new Queue<BareJob>(QUEUE_NAME, { connection, prefix: env('QUEUE_PREFIX') });
  const counts: Record<string, number> = { sent: 0, delivered: 0 };
  let lastAt = 0;
  const app = express();
  app.post('/api/v1/conversations/:id/messages', express.json({ limit: '100kb' }), async (req, res) => {
    const body = (req.body as { body?: unknown })?.body;
    if (typeof body !== 'string' || !body) return void res.status(400).json({ error: 'body required' });
    const to = `+15555${String(req.params.id).padStart(6, '0')}`;
    await queue.add('send', { to, body }, { removeOnComplete: true, removeOnFail: true });
    res.status(202).json({ recipients: [{ to }] });
  });
  app.post(STATUS_PATH, express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }), (req, res) => {
    const status = (req.body as { MessageStatus?: string }).MessageStatus ?? '';
    counts[status] = (counts[status] ?? 0) + 1;
    lastAt = Date.now();
    res.type('text/xml').send(EMPTY_TWIML);
  });
  app.get('/counts', (_req, res) => void res.json({ ...counts, lastAt }));
  const { server, url } = await listen(app);
  return {
    url,
    async close() {
      await closeServer(server);
      await queue.close();
      await connection.quit();
    },
  };
}

/** Takes each job and hands its text to the carrier through the twilio SDK; a batch job, its texts BATCH_CONCURRENCY at a time. */
async function startWorker(): Promise<Started> {
  const simUrl = env('SIM_URL');
  const client = twilio(SIM_DEFAULTS.accountSid, SIM_DEFAULTS.authToken, { httpClient: new SimulatorRequestClient(() => simUrl, SDK_CLIENT_OPTS) });
  const statusCallback = env('PUBLIC_BASE_URL') + STATUS_PATH;
  const send = async (t: BareJob) => (await client.messages.create({ to: t.to, body: t.body, from: SIM_DEFAULTS.from, statusCallback })).sid;
  const sendBatch = async ({ texts }: BareBatch) => {
    let next = 0;
    const lane = async () => {
      while (next < texts.length) await send(texts[next++]);
    };
    await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, lane));
  };
  const connection = redis();
  const workers = [
    new Worker<BareJob>(QUEUE_NAME, (job) => send(job.data), { connection, prefix: env('QUEUE_PREFIX'), concurrency: 50 }),
    new Worker<BareBatch>(BARE_BATCH_QUEUE, (job) => sendBatch(job.data), { connection, prefix: env('QUEUE_PREFIX'), concurrency: BROADCAST_JOBS_AT_ONCE }),
  ];
  for (const worker of workers) {
    worker.on('failed', (job, err) => console.error(`bare worker: job ${job?.id} failed: ${err.message}`));
    await worker.waitUntilReady();
  }
  return {
    url: null,
    async close() {
      for (const worker of workers) await worker.close();
      await connection.quit();
    },
  };
}

/** Answers a create with Twilio's 201 JSON, then calls the status callback back with "sent" and "delivered". */
async function startSim(): Promise<Started> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (url: string, params: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      const payload = new URLSearchParams(params).toString();
      const req = http.request(url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload) },
      }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`callback answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(payload);
    });
  const callback = (m: ReturnType<typeof messageJson>, url: string, status: string) =>
    post(url, {
      AccountSid: m.account_sid, ApiVersion: m.api_version, From: m.from ?? '', MessageSid: m.sid,
      MessageStatus: status, SmsSid: m.sid, SmsStatus: status, To: m.to,
    });
  const app = express();
  app.post('/sim/2010-04-01/Accounts/:accountSid/Messages.json', express.urlencoded({ extended: false, limit: '100kb' }), (req, res) => {
    const p = req.body as Record<string, string>;
    const now = Date.now();
    const m = messageJson({
      sid: newSid(), accountSid: String(req.params.accountSid), from: p.From, to: p.To, body: p.Body, status: 'queued', segments: 1,
      messagingServiceSid: null, createdAt: now, updatedAt: now, errorCode: null, errorMessage: null,
    });
    res.status(201).json(m);
    const deliver = async () => {
      await callback(m, p.StatusCallback, 'sent');
      await new Promise((r) => setTimeout(r, DELIVERY_DELAY_MS));
      await callback(m, p.StatusCallback, 'delivered');
    };
    deliver().catch((err: Error) => console.error(`bare sim: callback failed: ${err.message}`));
  });
  const { server, url } = await listen(app);
  return {
    url,
    async close() {
      await closeServer(server);
      agent.destroy();
    },
  };
}

export function startBare(role: BareRole): Promise<Started> {
  if (role === 'web') return startWeb();
  if (role === 'worker') return startWorker();
  if (role === 'sim') return startSim();
  throw new Error(`bare role must be web, worker or sim, not ${String(role)}`);
}
