import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { runTick, startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';
import { freePort } from '../../bench/lib/workspace';

/**
 * Production's shape: the simulator runs alone (`npm start -- --role sim`) in its own process,
 * the web and worker roles in this one find it at SIM_URL, and it calls them back at
 * PUBLIC_BASE_URL as Twilio would.
 */

const ROOT = path.resolve(__dirname, '../..');
const SCHOOL_FROM = '+15555550400';
const PARENT = '+15555550411';
const clock = new TestClock();
const prefix = `fltest-sim-role-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;

let web: TestApp;
let sim: ChildProcess | null = null;
let simOutput = '';
let simUrl: string;
let webBase: string;
let token: string;
let familyId: number;

async function startSim(port: number): Promise<void> {
  simOutput = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', '--role', 'sim'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_BASE_URL: webBase,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: prefix,
      SMS_PROVIDER: 'sim',
      TWILIO_ACCOUNT_SID: '',
      TWILIO_AUTH_TOKEN: '',
      TWILIO_FROM: '',
      TWILIO_MESSAGING_SERVICE_SID: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d: Buffer) => (simOutput += d.toString()));
  sim = child;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`sim role exited with ${child.exitCode}: ${simOutput}`);
    return (await fetch(`${simUrl}/api/settings`)).ok;
  }, 30_000).catch((err) => {
    throw new Error(`${(err as Error).message}\n${simOutput}`);
  });
}

async function stopSim(): Promise<void> {
  const child = sim;
  sim = null;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function api(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${web.url}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const simPost = (p: string, body: unknown) =>
  fetch(`${simUrl}/api${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const phoneThread = async (): Promise<any[]> => (await (await fetch(`${simUrl}/api/messages?phone=${encodeURIComponent(PARENT)}`)).json()).items;
const messageOf = async (id: number) => (await api('GET', `/messages/${id}`)).json;

async function reply(conversationId: number, body: string): Promise<number> {
  const sent = await api('POST', `/conversations/${conversationId}/messages`, { body });
  expect(sent.status).toBe(202);
  return sent.json.id;
}

let conversationId: number;

beforeAll(async () => {
  // Each role names the other in its environment, so both ports are chosen before either starts.
  const webPort = await freePort();
  const simPort = await freePort();
  webBase = `http://127.0.0.1:${webPort}`;
  simUrl = `http://127.0.0.1:${simPort}/sim`;
  await startSim(simPort);
  web = await startTestApp('sim-role', {
    clock,
    roles: ['web', 'worker'],
    env: { PORT: String(webPort), PUBLIC_BASE_URL: webBase, SIM_URL: simUrl, QUEUE_PREFIX: prefix },
  });
  const school = await seedSchool(web.deps.db, { from: SCHOOL_FROM });
  familyId = (await seedFamily(web.deps.db, school.id, { name: 'Okafor', guardians: [{ first: 'Ngozi', phone: PARENT }] })).family.id;
  ({ token } = await addStaffWithToken(web.deps.db, { email: 'office@familyline.test', role: 'school_admin', schoolId: school.id }, new Date(clock.now()).toISOString()));
}, 60_000);

afterAll(async () => {
  // The simulator first: it writes its history under the prefix the app's stop() clears.
  await stopSim();
  await web?.stop();
});

test('a parent texts the simulator running alone, and the reply from the web and worker roles reaches the phone delivered', async () => {
  expect(web.simulator).toBeNull();
  expect((await simPost('/inbound', { from: PARENT, to: SCHOOL_FROM, body: 'Is the library open after school?' })).status).toBe(200);
  const conv = await waitFor(async () => (await api('GET', `/conversations?familyId=${familyId}`)).json.items[0]);
  conversationId = conv.id;

  const id = await reply(conversationId, 'Yes, until 4:30 every day.');
  await waitFor(async () => (await phoneThread()).some((m) => m.body === 'Yes, until 4:30 every day.'));
  const done = await waitFor(async () => {
    const m = await messageOf(id);
    return m.status === 'delivered' ? m : null;
  });
  expect(done.events).toEqual([
    expect.objectContaining({ status: 'sent', source: 'callback' }),
    expect.objectContaining({ status: 'delivered', source: 'callback' }),
  ]);
});

test('after a restart the simulator still has its phones, and a text whose final callback was lost is settled by a lookup 30 minutes on', async () => {
  expect((await simPost('/lost-callbacks', { to: PARENT, times: 1 })).status).toBe(200);
  const id = await reply(conversationId, 'The book fair opens Monday.');
  // The carrier delivered it; the service only heard "sent".
  await waitFor(async () => (await phoneThread()).find((m) => m.body === 'The book fair opens Monday.')?.status === 'delivered');
  await waitFor(async () => (await messageOf(id)).status === 'sent');

  const before = await phoneThread();
  await stopSim();
  await startSim(Number(new URL(simUrl).port));
  const after = await phoneThread();
  expect(after.map((m) => [m.direction, m.body, m.status])).toEqual(before.map((m) => [m.direction, m.body, m.status]));
  expect(after.map((m) => m.body)).toEqual(['Is the library open after school?', 'Yes, until 4:30 every day.', 'The book fair opens Monday.']);

  // Not yet: a callback may still be on its way.
  await runTick(web);
  expect((await messageOf(id)).status).toBe('sent');

  clock.advance(31 * 60_000);
  await runTick(web);
  const settled = await messageOf(id);
  expect(settled.status).toBe('delivered');
  expect(settled.events).toEqual([
    expect.objectContaining({ status: 'sent', source: 'callback' }),
    expect.objectContaining({ status: 'delivered', source: 'lookup', at: new Date(clock.now()).toISOString() }),
  ]);
});
