/**
 * Several hosts on one PostgreSQL and one Redis, as a district runs FamilyLine on three servers:
 * two web and two worker processes and the simulator in its own, all real child processes. One
 * worker is killed with SIGKILL while 2,000 texts are going out and a new one takes its place.
 * Every text must reach its phone exactly once, except the few the dead worker had claimed and
 * not yet handed over or recorded, which are counted, printed, and never sent twice.
 */
import crypto from 'node:crypto';
import { and, count, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { openDatabase, type OpenedDatabase } from '../../db/client';
import { messages } from '../../db/schema';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { addStaffWithToken } from '../../src/staff/accounts';
import { freePort } from '../../bench/lib/workspace';
import { zoneAtMidday } from '../../bench/lib/seed';
import { waitFor } from '../helpers/app';
import { testDatabase } from '../helpers/database';
import { answers, deploymentEnv, logged, startRole, type RoleProcess } from '../helpers/processes';
import { seedFamily, seedSchool } from '../helpers/seed';

const FAMILIES = 400;
const TEXTS_PER_FAMILY = 5; // 2,000 texts
const KILL_AFTER = 300;
const phoneOf = (i: number) => `+1555${String(7000000 + i).padStart(7, '0')}`;

jest.setTimeout(300_000);

let database: { url: string; drop(): Promise<void> };
let opened: OpenedDatabase;
const processes: RoleProcess[] = [];

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await opened?.close();
  await database?.drop();
});

test('two web and two worker hosts hand every text to the carrier once, through a worker killed mid-burst', async () => {
  database = await testDatabase('multi_host');
  opened = await openDatabase(database.url);
  const { db } = opened;
  // Real time here, not a test clock (four processes): a school where it is midday now, so quiet hours never hold the burst.
  const school = await seedSchool(db, { mps: 0, timezone: zoneAtMidday() });
  const conversations: number[] = [];
  for (let i = 0; i < FAMILIES; i++) {
    const { family } = await seedFamily(db, school.id, { name: `Family ${i}`, guardians: [{ first: 'Pat', phone: phoneOf(i) }] });
    conversations.push((await getOrCreateConversation(db, { schoolId: school.id, familyId: family.id, unmatchedNumber: null }, new Date().toISOString())).id);
  }
  const { token } = await addStaffWithToken(db, { email: 'office@maple.example', role: 'school_admin', schoolId: school.id }, new Date().toISOString());

  const [simPort, web1Port, web2Port] = [await freePort(), await freePort(), await freePort()];
  const web1 = `http://127.0.0.1:${web1Port}`;
  const env = {
    ...deploymentEnv({
      databaseUrl: database.url,
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      queuePrefix: `fltest-multihost-${process.pid}-${crypto.randomBytes(3).toString('hex')}`,
      // Twilio calls one public address; here the first web host stands in for the load balancer.
      publicBaseUrl: web1,
      simUrl: `http://127.0.0.1:${simPort}/sim`,
    }),
    DATABASE_POOL_SIZE: '4',
  };
  const sim = await startRole('sim', { ...env, PORT: String(simPort) }, answers(`${env.SIM_URL}/api/settings`));
  processes.push(sim);
  const webs = await Promise.all(
    [web1Port, web2Port].map((port) => startRole('web', { ...env, PORT: String(port) }, answers(`http://127.0.0.1:${port}/healthz`))),
  );
  processes.push(...webs);
  const worker = () => startRole('worker', { ...env, PORT: '0', LOG_LEVEL: 'info' }, logged('worker role started')).then((p) => (processes.push(p), p));
  const [doomed] = await Promise.all([worker(), worker()]);
  expect((await post(`${env.SIM_URL}/api/settings`, { mps: null })).status).toBe(200);

  // 2,000 replies, spread over both web hosts as a load balancer would.
  const bodies: string[] = [];
  const sending = (async () => {
    const queue = [...Array(FAMILIES * TEXTS_PER_FAMILY).keys()];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const body = `Reminder ${i}: the library is open late on Thursday.`;
          bodies[i] = body;
          const base = i % 2 ? `http://127.0.0.1:${web2Port}` : web1;
          const res = await post(`${base}/api/v1/conversations/${conversations[i % FAMILIES]}/messages`, { body }, token);
          if (res.status !== 202) throw new Error(`reply ${i} answered ${res.status}: ${await res.text()}`);
        }
      }),
    );
  })();

  // Kill one worker once the carrier has taken a few hundred texts, then start a new one.
  await waitFor(async () => (await handedOver(opened)) >= KILL_AFTER, 120_000);
  await doomed.kill();
  await worker();
  await sending;

  // Wait until every text has left or is held by the dead worker's claim (its lease outlives the test).
  const total = FAMILIES * TEXTS_PER_FAMILY;
  let inFlightAtKill = 0;
  await waitFor(async () => {
    const settled = await countWhere(opened, eq(messages.status, 'delivered'));
    inFlightAtKill = await countWhere(opened, and(eq(messages.status, 'sending'), isNull(messages.providerSid)));
    return settled + inFlightAtKill === total && (await quiet(opened));
  }, 180_000);

  // What each phone got: every body at most once, and every delivered text exactly once.
  const received = new Map<string, number>();
  for (let i = 0; i < FAMILIES; i++) {
    const res = await fetch(`${env.SIM_URL}/api/messages?to=${encodeURIComponent(phoneOf(i))}`);
    for (const m of ((await res.json()) as { items: { body: string }[] }).items) received.set(m.body, (received.get(m.body) ?? 0) + 1);
  }
  const twice = [...received].filter(([, n]) => n > 1);
  const missing = bodies.filter((b) => !received.has(b));
  console.log(`multi-host: ${total} texts, ${received.size} on phones, ${inFlightAtKill} in flight at the kill, ${missing.length} not on a phone`);
  expect(twice).toEqual([]);
  expect(missing.length).toBeLessThanOrEqual(inFlightAtKill);
  expect(received.size).toBeGreaterThanOrEqual(total - inFlightAtKill);
  // The claim is what held them: a handful at most, never a whole burst.
  expect(inFlightAtKill).toBeLessThan(100);
});

function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function countWhere(opened: OpenedDatabase, where: SQL | undefined): Promise<number> {
  const [row] = await opened.db.select({ n: count() }).from(messages).where(and(eq(messages.direction, 'outbound'), where));
  return row.n;
}

/** Texts the carrier has taken (their sid is stored), whatever their status says. */
const handedOver = (opened: OpenedDatabase) => countWhere(opened, isNotNull(messages.providerSid));

/** Nothing queued or held any more: what is not delivered is in a dead worker's claim. */
async function quiet(opened: OpenedDatabase): Promise<boolean> {
  const [row] = await opened.db
    .select({ n: count() })
    .from(messages)
    .where(and(eq(messages.direction, 'outbound'), eq(messages.status, 'queued')));
  return row.n === 0;
}
