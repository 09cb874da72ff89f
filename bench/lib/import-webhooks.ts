/**
 * The latency of signed inbound webhooks while a district's roster imports, for
 * `npm run bench -- import`: FamilyLine runs the web and worker roles in one child process (as
 * `npm start` does); the district is uploaded to its API as a district admin would, and webhooks
 * arrive at a steady rate, first for a few seconds with nothing else going on, then until the
 * import has finished. Every webhook's latency is measured from this process, open loop (sent on
 * schedule whether or not earlier ones were answered, as Twilio sends them).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import twilio from 'twilio';
import { SIM_DEFAULTS } from '../../src/config';
import { zip } from '../../test/fixtures/roster/zip-writer';
import { SIMULATED_CARRIER, startChild, type ServerChild } from './children';
import type { BenchDatabase } from './databases';
import { log } from './workspace';

const PUBLIC_BASE_URL = 'https://familyline.bench.example';
const PATH = '/webhooks/twilio/sms';
/** Webhooks per second: a busy school evening's replies, far from what the web role can take. */
const RATE = 20;
const QUIET_SECONDS = 3;
const IMPORT_TIMEOUT_MS = 300_000;

export interface Latencies {
  sent: number;
  ok200: number;
  other: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface WebhooksUnderImport {
  ratePerSecond: number;
  quiet: Latencies;
  duringImport: Latencies;
  importStatus: string;
  /** From the upload's 202 to the import's report, as its uploader sees it. */
  importSeconds: number;
  studentsCreated: number | null;
  /** Acknowledged texts with no stored row once the import and the worker were done (a 200 is a promise). */
  acknowledgedNotStored: number;
  serverPeakRssMb: number | null;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0);

function summarize(samples: { ms: number; status: number }[]): Latencies {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const other: Record<string, number> = {};
  for (const s of samples) if (s.status !== 200) other[String(s.status)] = (other[String(s.status)] ?? 0) + 1;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { sent: samples.length, ok200: samples.filter((s) => s.status === 200).length, other, p50Ms: r(pct(ms, 50)), p99Ms: r(pct(ms, 99)), maxMs: r(ms[ms.length - 1] ?? 0) };
}

/** Sends signed inbound webhooks at RATE per second until `until` resolves; answers each one's latency and status. */
async function webhooksUntil(url: string, until: Promise<unknown>, acked: Set<string>): Promise<{ ms: number; status: number }[]> {
  const agent = new http.Agent({ keepAlive: true });
  const samples: Promise<{ ms: number; status: number }>[] = [];
  let done = false;
  void until.finally(() => (done = true));
  for (let n = 0; !done; n++) {
    samples.push(postWebhook(url, agent, acked));
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  const out = await Promise.all(samples);
  agent.destroy();
  return out;
}

function postWebhook(url: string, agent: http.Agent, acked: Set<string>): Promise<{ ms: number; status: number }> {
  const sid = `SM${crypto.randomBytes(16).toString('hex')}`;
  const from = `+15559${String(crypto.randomInt(1_000_000)).padStart(6, '0')}`;
  const params = {
    MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, AccountSid: SIM_DEFAULTS.accountSid, From: from, To: SIM_DEFAULTS.from,
    Body: 'Is the bus running on time this morning?', NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  };
  const body = new URLSearchParams(params).toString();
  const signature = twilio.getExpectedTwilioSignature(SIM_DEFAULTS.authToken, PUBLIC_BASE_URL + PATH, params);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(url + PATH, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'x-twilio-signature': signature },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) acked.add(sid);
        resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 });
      });
    });
    req.on('error', () => resolve({ ms: performance.now() - t0, status: 0 }));
    req.end(body);
  });
}

export async function webhooksUnderImport(database: BenchDatabase, bundleDir: string, workDir: string, queuePrefix: string): Promise<WebhooksUnderImport> {
  const [{ openDatabase }, { addStaffWithToken }] = await Promise.all([import('../../db/client'), import('../../src/staff/accounts')]);
  const opened = await openDatabase(database.url, { poolSize: 1 });
  const { token } = await addStaffWithToken(opened.db, { email: 'bench-it@district.example', role: 'district_admin' }, new Date().toISOString());
  await opened.close();
  const upload = zip(fs.readdirSync(bundleDir).map((name) => ({ name, data: fs.readFileSync(path.join(bundleDir, name)) })));

  const env = {
    PORT: '0', PUBLIC_BASE_URL, DATABASE_URL: database.url, DATABASE_POOL_SIZE: '10', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: queuePrefix, ...SIMULATED_CARRIER,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  };
  let server: ServerChild | null = null;
  try {
    server = await startChild('familyline-web-worker', ['familyline', 'web,worker'], env, path.join(workDir, 'webhooks-server.log'));
    const url = server.url!;
    const acked = new Set<string>();
    log(`webhooks: ${RATE}/s for ${QUIET_SECONDS} s with nothing else going on`);
    const quiet = await webhooksUntil(url, new Promise((r) => setTimeout(r, QUIET_SECONDS * 1000)), acked);

    const api = (p: string, init: RequestInit = {}) => fetch(url + p, { ...init, headers: { authorization: `Bearer ${token}` } });
    const form = new FormData();
    form.append('welcome', 'false');
    form.append('file', new Blob([new Uint8Array(upload)]), 'district.zip');
    const t0 = performance.now();
    const created = await api('/api/v1/roster/imports', { method: 'POST', body: form });
    if (created.status !== 202) throw new Error(`upload answered ${created.status}: ${await created.text()}`);
    const { id } = (await created.json()) as { id: number };
    log(`webhooks: ${RATE}/s while import ${id} runs`);
    const finished = (async () => {
      const deadline = Date.now() + IMPORT_TIMEOUT_MS;
      for (;;) {
        const s = (await (await api(`/api/v1/roster/imports/${id}`)).json()) as { status: string; report: { students: { created: number } } | null };
        if (s.status === 'succeeded' || s.status === 'failed' || Date.now() > deadline) return { ...s, seconds: (performance.now() - t0) / 1000 };
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const during = await webhooksUntil(url, finished, acked);
    const outcome = await finished;
    log(`webhooks: import ${outcome.status} after ${Math.round(outcome.seconds * 10) / 10} s; waiting for every acknowledged text to be stored`);

    let missing = acked.size;
    for (const until = Date.now() + 60_000; missing > 0 && Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
      const stored = await database.inboundSids();
      missing = [...acked].filter((sid) => !stored.has(sid)).length;
    }
    return {
      ratePerSecond: RATE,
      quiet: summarize(quiet),
      duringImport: summarize(during),
      importStatus: outcome.status,
      importSeconds: Math.round(outcome.seconds * 100) / 100,
      studentsCreated: outcome.report?.students.created ?? null,
      acknowledgedNotStored: missing,
      serverPeakRssMb: await server.stop(),
    };
  } finally {
    server?.kill();
  }
}
