/**
 * `npm run bench -- ingest`: signed inbound webhooks stored and acknowledged per second, side by
 * side with a bare Express handler that only parses the same form. Each server runs alone in a
 * child process while autocannon drives it from this one, same settings for both.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import twilio from 'twilio';
import { SIM_DEFAULTS } from '../src/config';
import { SIMULATED_CARRIER, startChild, type ServerChild } from './lib/children';
import { familyPhone, seed, unknownPhone } from './lib/seed';
import { count, eq } from 'drizzle-orm';
import { openDatabase, type Db } from '../db/client';
import { messages } from '../db/schema';
import { dialectArg, log, runWithChildren } from './lib/workspace';

const PUBLIC_BASE_URL = 'https://familyline.bench.example';
const PATH = '/webhooks/twilio/sms';
const LOAD = { connections: 50, warmupSeconds: 3, seconds: 10 };
const TARGET = { rps: 2000, ratio: 0.35 };
const FAMILIES = 200;
const UNKNOWN = 20;
const BODIES = [
  'Hi, Sam will be late tomorrow, dentist at 9.',
  'Thanks! See you at the conference on Thursday.',
  'Can you send the field trip form again? We lost it.',
  'Hola, ¿a qué hora es la reunión de padres?',
  'Olá, a Maria está doente hoje e não vai à escola.',
  'Who is picking up the kids after the game? 🏀',
];

/** Twilio's full inbound form, with a fresh MessageSid each time. */
function inboundForm(n: number): Record<string, string> {
  const sid = `SM${crypto.randomBytes(16).toString('hex')}`;
  const from = n % 11 === 0 ? unknownPhone(n % UNKNOWN) : familyPhone(n % FAMILIES);
  return {
    ToCountry: 'US', ToState: 'NY', SmsMessageSid: sid, NumMedia: '0', ToCity: '', FromZip: '', SmsSid: sid,
    FromState: 'NY', SmsStatus: 'received', FromCity: '', Body: BODIES[n % BODIES.length], FromCountry: 'US',
    To: SIM_DEFAULTS.from, ToZip: '', NumSegments: '1', ReferralNumMedia: '0', MessageSid: sid,
    AccountSid: SIM_DEFAULTS.accountSid, From: from, ApiVersion: '2010-04-01',
  };
}

interface LoadResult {
  rps: number;
  p99Ms: number;
  seconds: number;
  requests: number;
  /** Rows stored during the measured run (always 0 for the baseline, which stores nothing). */
  storedRows: number;
  ok200: number;
  non2xx: number;
  errors: number;
  ackedSids: Set<string>;
  duplicateAcks: number;
  /** The server's CPU time per answered request in the measured run: steadier than rps on a shared machine. */
  cpuMsPerRequest: number | null;
}

/**
 * A timed warm-up, then a measured run of a fixed number of requests (about LOAD.seconds at the
 * warm-up's rate): unlike a timed run, it waits for every answer, so rows stored can be matched
 * exactly against 200s. `storedRows` is read before and after to isolate the measured run.
 */
async function hammer(server: ServerChild, label: string, storedRows: () => Promise<number> | number): Promise<LoadResult> {
  const url = server.url!;
  let n = 0;
  const ackedSids = new Set<string>();
  let ok200 = 0;
  let duplicateAcks = 0;
  const request: autocannon.Request = {
    method: 'POST',
    path: PATH,
    setupRequest(req, ctx) {
      const context = ctx as Record<string, string>;
      const params = inboundForm(n++);
      context.sid = params.MessageSid; // per connection; pipelining 1 means one request in flight
      const signature = twilio.getExpectedTwilioSignature(SIM_DEFAULTS.authToken, PUBLIC_BASE_URL + PATH, params);
      return {
        ...req,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      };
    },
    onResponse(status, _body, ctx) {
      if (status !== 200) return;
      ok200++;
      const sid = (ctx as Record<string, string>).sid;
      if (ackedSids.has(sid)) duplicateAcks++;
      ackedSids.add(sid);
    },
  };
  const opts = { url, connections: LOAD.connections, pipelining: 1, requests: [request] };
  log(`${label}: warm-up ${LOAD.warmupSeconds} s`);
  const warm = await autocannon({ ...opts, duration: LOAD.warmupSeconds });
  // Requests cut off by the warm-up's clock may still be finishing on the server.
  await new Promise((r) => setTimeout(r, 500));
  const rowsBefore = await storedRows();
  // The median warm-up second, not the mean: the first second still runs cold code.
  const amount = Math.max(1, Math.round((warm.requests.p50 * LOAD.seconds) / LOAD.connections)) * LOAD.connections;
  log(`${label}: measuring ${amount} requests (~${LOAD.seconds} s) with ${LOAD.connections} connections`);
  const ok200Before = ok200;
  const cpuBefore = server.cpuMs();
  const r = await autocannon({ ...opts, amount });
  const cpuAfter = server.cpuMs();
  const answered = r['2xx'] + r.non2xx;
  return {
    rps: Math.round(r['2xx'] / r.duration),
    p99Ms: r.latency.p99,
    seconds: Math.round(r.duration * 100) / 100,
    requests: r['2xx'] + r.non2xx,
    ok200: ok200 - ok200Before,
    storedRows: (await storedRows()) - rowsBefore,
    non2xx: r.non2xx + warm.non2xx,
    errors: r.errors + r.timeouts + warm.errors + warm.timeouts,
    ackedSids,
    duplicateAcks,
    cpuMsPerRequest: cpuBefore === null || cpuAfter === null || !answered ? null : Math.round(((cpuAfter - cpuBefore) / answered) * 1000) / 1000,
  };
}

export async function main(args: string[]): Promise<void> {
  await runWithChildren('ingest', dialectArg(args), async (ws, children) => {
    await seed(ws.databaseUrl, { families: FAMILIES, mps: 1 });
    const logFile = path.join(ws.dir, 'children.log');

    const baselineChild = await startChild('baseline', ['baseline'], { PORT: '0' }, logFile);
    children.push(baselineChild);
    const baseline = await hammer(baselineChild, 'baseline', () => 0);
    await baselineChild.stop();

    // Web role only: the inbound follow-up jobs are queued in Redis, not processed.
    const env = {
      PORT: '0', PUBLIC_BASE_URL, DATABASE_URL: ws.databaseUrl, REDIS_URL: ws.redisUrl, QUEUE_PREFIX: ws.queuePrefix,
      ...SIMULATED_CARRIER,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    };
    const flChild = await startChild('familyline-web', ['familyline', 'web'], env, logFile);
    children.push(flChild);
    const { db, close } = await openDatabase(ws.databaseUrl);
    const fl = await hammer(flChild, 'familyline', () => countInbound(db));
    const webRssMb = await flChild.stop();

    const ackedNotStored = await ackedButNotStored(db, fl.ackedSids);
    await close();
    const ratio = Math.round((fl.rps / baseline.rps) * 1000) / 1000;
    const correct = fl.non2xx === 0 && fl.errors === 0 && ackedNotStored === 0 && fl.duplicateAcks === 0 && fl.storedRows === fl.ok200;
    const result = {
      bench: 'ingest',
      familyline: {
        rps: fl.rps, p99Ms: fl.p99Ms, seconds: fl.seconds, requests: fl.requests, non2xx: fl.non2xx, errors: fl.errors,
        ok200: fl.ok200, stored: fl.storedRows, ackedNotStored, peakRssMb: webRssMb, cpuMsPerRequest: fl.cpuMsPerRequest,
      },
      baseline: { rps: baseline.rps, p99Ms: baseline.p99Ms, seconds: baseline.seconds, requests: baseline.requests, non2xx: baseline.non2xx, cpuMsPerRequest: baseline.cpuMsPerRequest },
      ratio,
      settings: { ...LOAD, logLevel: env.LOG_LEVEL },
      target: TARGET,
      correct,
      meetsTarget: correct && fl.rps >= TARGET.rps && ratio >= TARGET.ratio,
    };
    return result;
  });
}

async function countInbound(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(messages).where(eq(messages.direction, 'inbound'));
  return row.n;
}

/** Over warm-up and measured run: every acknowledged sid must have its row (a 200 is a promise). */
async function ackedButNotStored(db: Db, acked: Set<string>): Promise<number> {
  const rows = await db.select({ sid: messages.providerSid }).from(messages).where(eq(messages.direction, 'inbound'));
  const stored = new Set(rows.map((r) => r.sid));
  let missing = 0;
  for (const sid of acked) if (!stored.has(sid)) missing++;
  return missing;
}
