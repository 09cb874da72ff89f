/**
 * Crash safety of a broadcast (issue 12, point 7), with real processes on one PostgreSQL database
 * and a private Redis: web, worker and simulator each a child process, a 20,000-family broadcast
 * created through the API. While it goes out the worker is killed with SIGKILL and a new one
 * started; later Redis itself is killed with SIGKILL and started again on the same port and data
 * directory. Redis runs with its append-only file fsynced on every write (appendfsync always), as
 * a production Redis for queues should: a crash then loses nothing Redis had acknowledged, and the
 * processes, whose ioredis connections reconnect, carry on with the jobs as they were. (A Redis
 * that comes back empty is left to the tick's recovery, see redis-data-loss.test.ts.)
 *
 * Every family must get the reminder exactly once, except at most the few whose text the dead
 * worker had claimed and not yet recorded as sent (counted and printed): those are never sent
 * again (the carrier may have them), and once their claim's lease has passed they end 'failed'
 * for staff to see. The Redis crash kills no sender, so it may cost nothing.
 */
import crypto from 'node:crypto';
import { and, count, eq, gt, inArray, isNotNull, isNull, lte } from 'drizzle-orm';
import { loadConfig } from '../../src/config';
import { startFamilyLine } from '../../src/runtime';
import { SEND_CLAIM_LEASE_MS } from '../../src/messaging/deliver';
import { failLapsedSends, OUTCOME_UNKNOWN } from '../../src/messaging/recover';
import { recoverBroadcasts } from '../../src/reminders/recover';
import { BATCH_CONCURRENCY } from '../../src/reminders/batch';
import { BROADCAST_JOBS_AT_ONCE } from '../../workers/broadcast.worker';
import { openDatabase, type OpenedDatabase } from '../../db/client';
import { messages } from '../../db/schema';
import { seedBroadcastSchool } from '../../bench/lib/broadcast-seed';
import { freePort } from '../../bench/lib/workspace';
import { waitFor } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { testDatabase } from '../helpers/database';
import { answers, deploymentEnv, logged, startRole, type RoleProcess } from '../helpers/processes';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server';

const FAMILIES = 20_000;
const KILL_WORKER_AFTER = 5_000;
const KILL_REDIS_AFTER = 11_000;
const TEXTS = {
  en: 'Conferences are Thursday 4-7 pm. Reply 1 to book a time.',
  es: 'Las conferencias son el jueves de 4 a 7 pm. Responda 1 para reservar.',
};

jest.setTimeout(600_000);

let database: { url: string; drop(): Promise<void> } | undefined;
let opened: OpenedDatabase | undefined;
let redis: PrivateRedis | undefined;
const processes: RoleProcess[] = [];

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await opened?.close();
  await redis?.remove();
  await database?.drop();
});

test('a 20,000-family broadcast reaches every phone once through a worker killed mid-way and a Redis crash', async () => {
  const started = Date.now();
  redis = await startPrivateRedis('broadcast-crash');
  database = await testDatabase('broadcast_crash');
  // One school where it is midday now (real processes, real time: quiet hours never hold a text), mps 0.
  const seeded = await seedBroadcastSchool(database.url, [{ grade: '5', families: FAMILIES }]);
  const phones = seeded.groups[0].phones;
  opened = await openDatabase(database.url);
  const { db } = opened;

  const [simPort, webPort] = [await freePort(), await freePort()];
  const web = `http://127.0.0.1:${webPort}`;
  const env = deploymentEnv({
    databaseUrl: database.url,
    redisUrl: redis.url,
    queuePrefix: `fltest-bcrash-${process.pid}-${crypto.randomBytes(3).toString('hex')}`,
    publicBaseUrl: web,
    simUrl: `http://127.0.0.1:${simPort}/sim`,
  });
  processes.push(await startRole('sim', { ...env, PORT: String(simPort) }, answers(`${env.SIM_URL}/api/settings`)));
  processes.push(await startRole('web', { ...env, PORT: String(webPort) }, answers(`${web}/healthz`)));
  const worker = () => startRole('worker', { ...env, PORT: '0', LOG_LEVEL: 'info' }, logged('worker role started')).then((p) => (processes.push(p), p));
  const first = await worker();
  // The simulated carrier takes texts as fast as they come.
  expect((await post(`${env.SIM_URL}/api/settings`, { mps: null })).status).toBe(200);
  console.log(`broadcast-crash: seeded and started in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const created = await post(`${web}/api/v1/broadcasts`, { schoolId: seeded.schoolId, audience: { type: 'school' }, texts: TEXTS }, seeded.token);
  expect(created.status).toBe(201);
  const broadcastId = ((await created.json()) as { id: number }).id;
  const sendStarted = Date.now();
  const ofBroadcast = eq(messages.broadcastId, broadcastId);
  const countOf = async (...where: Parameters<typeof and>) => (await db.select({ n: count() }).from(messages).where(and(ofBroadcast, ...where)))[0].n;
  const handedOver = () => countOf(isNotNull(messages.providerSid));
  /** Texts claimed by a send and not (yet) recorded as taken by the carrier. */
  const claimedUnsent = (...where: Parameters<typeof and>) => and(eq(messages.status, 'sending'), isNull(messages.providerSid), ...where);

  // Phase 1: the worker dies mid-broadcast (SIGKILL: nothing flushed, no job handed back) and a new one takes over.
  await waitFor(async () => (await handedOver()) >= KILL_WORKER_AFTER, 180_000);
  await first.kill();
  // Its claims are those made before it died: a claim statement it had sent may still commit
  // after the exit, so they are counted at the end, by their time, not here.
  const killedAt = new Date().toISOString();
  const atWorkerKill = await handedOver();
  await worker();

  // Phase 2: Redis crashes (SIGKILL) and comes back on the same port and data; the processes reconnect.
  await waitFor(async () => (await handedOver()) >= KILL_REDIS_AFTER, 180_000);
  await redis.kill();
  const inFlightAtRedisCrash = await countOf(claimedUnsent(gt(messages.updatedAt, killedAt)));
  const atRedisCrash = await handedOver();
  await redis.start();

  // Every text has left and its delivery is recorded, but for those the dead worker's claims hold.
  const heldByDeadWorker = claimedUnsent(lte(messages.updatedAt, killedAt));
  await waitFor(
    async () => (await countOf(eq(messages.status, 'delivered'))) + (await countOf(heldByDeadWorker)) === FAMILIES && (await countOf(inArray(messages.status, ['queued', 'held']))) === 0,
    300_000,
  );
  const sendSeconds = (Date.now() - sendStarted) / 1000;
  const lostWithWorker = await db.select({ id: messages.id, to: messages.toNumber }).from(messages).where(and(ofBroadcast, heldByDeadWorker));
  const heldNumbers = new Set(lostWithWorker.map((m) => m.to));

  // What each phone got, from the simulator: one text, or none for a text in flight at the worker's kill.
  const textsOnPhones = async () =>
    new Map(((await (await fetch(`${env.SIM_URL}/api/phones`)).json()) as { items: { phone: string; messages: number }[] }).items.map((p) => [p.phone, p.messages]));
  const onPhones = await textsOnPhones();
  const twice = phones.filter((p) => (onPhones.get(p) ?? 0) > 1);
  const none = phones.filter((p) => !onPhones.has(p));
  console.log(
    `broadcast-crash: ${FAMILIES} families in ${sendSeconds.toFixed(1)} s; worker killed at ${atWorkerKill} handed over with ${lostWithWorker.length} in flight; ` +
      `Redis killed at ${atRedisCrash} with ${inFlightAtRedisCrash} in flight; ${onPhones.size} phones got the text, ${none.length} did not, ${twice.length} twice`,
  );
  expect(twice).toEqual([]);
  // Only a text the dead worker held may be missing, and no more than one worker has in flight
  // at once (its batch jobs times their lanes), never a page or the rest of the broadcast.
  expect(none.filter((p) => !heldNumbers.has(p))).toEqual([]);
  expect(lostWithWorker.length).toBeLessThanOrEqual(BROADCAST_JOBS_AT_ONCE * BATCH_CONCURRENCY);
  const audience = new Set(phones);
  expect([...onPhones.keys()].filter((p) => !audience.has(p))).toEqual([]);

  // Once the dead worker's claims are past their lease (a clock moved on, in a host of this
  // process), the tick's recovery fails them as outcome unknown, never resends them, and the
  // broadcast is done: every recipient in a final state staff can see.
  const later = loadConfig({ ...env, PORT: '0', DATABASE_POOL_SIZE: '2', LOG_LEVEL: 'silent' });
  const host = await startFamilyLine(later, { roles: ['web'], clock: new TestClock(Date.now() + SEND_CLAIM_LEASE_MS + 60_000) });
  try {
    expect(await failLapsedSends(host.deps!)).toBe(lostWithWorker.length);
    await recoverBroadcasts(host.deps!);
  } finally {
    await host.close();
  }
  const view = (await (await get(`${web}/api/v1/broadcasts/${broadcastId}`, seeded.token)).json()) as { status: string };
  expect(view.status).toBe('done');
  // The delivery report staff download: delivered, or failed for a text the dead worker held.
  const report = (await (await get(`${web}/api/v1/broadcasts/${broadcastId}/report`, seeded.token)).json()) as {
    totals: Record<string, number>;
    rows: { phone: string; status: string }[];
  };
  expect(report.totals).toMatchObject({ delivered: FAMILIES - lostWithWorker.length, failed: lostWithWorker.length, queued: 0, sent: 0, held: 0, canceled: 0, total: FAMILIES });
  expect(new Set(report.rows.filter((r) => r.status === 'failed').map((r) => r.phone))).toEqual(heldNumbers);
  const failed = await db.select({ id: messages.id, failureReason: messages.failureReason }).from(messages).where(and(ofBroadcast, eq(messages.status, 'failed')));
  expect(failed.map((m) => m.id).sort()).toEqual(lostWithWorker.map((m) => m.id).sort());
  expect(failed.every((m) => m.failureReason === OUTCOME_UNKNOWN)).toBe(true);
  // And the recovery sent nothing again.
  expect(await textsOnPhones()).toEqual(onPhones);
  console.log(`broadcast-crash: whole test ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

function get(url: string, token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } });
}
