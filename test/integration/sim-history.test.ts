import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import path from 'node:path';
import express from 'express';
import IORedis from 'ioredis';
import { SimHistory } from '../../src/channels/sim/history';
import { createSimulator, type Simulator } from '../../src/channels/sim/simulator';
import { createTwilioChannel } from '../../src/channels/twilio/twilio-channel';
import { SendError } from '../../src/channels/channel';
import { systemClock } from '../../src/lib/clock';
import { createLogger } from '../../src/logger';
import { waitFor } from '../helpers/app';

/** A simulator that restarts gets its phones back from Redis: threads, opt-outs, and texts still on their way. */

const ACCOUNT_SID = 'AC' + 'd4'.repeat(16);
const AUTH_TOKEN = 'sim-history-token';
const SCHOOL = '+15555550600';
const PARENT = '+15555550611';
const OTHER_PARENT = '+15555550622';
const STATUS_URL = 'https://familyline.test/webhooks/twilio/status';
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const key = `fltest-sim-history-${process.pid}-${crypto.randomBytes(3).toString('hex')}:sim:history`;

const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const statusCallbacks: Record<string, string>[] = [];
const servers: Server[] = [];
let receiverUrl: string;

const listen = (app: express.Express) =>
  new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    servers.push(s);
  });
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

/** A simulator on its own port, as the sim role runs it, keeping its history under `key`. */
async function startSim(): Promise<{ sim: Simulator; send: (to: string, body: string) => Promise<string> }> {
  const sim = createSimulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    publicBaseUrl: 'https://familyline.test',
    clock: systemClock,
    logger,
    history: new SimHistory(redis, key, logger),
  });
  await sim.restore();
  sim.setWebhookBase(receiverUrl);
  sim.setPacing(null);
  const app = express();
  app.use('/sim', sim.router);
  const url = urlOf(await listen(app));
  const channel = createTwilioChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, simulatorUrl: () => `${url}/sim`, logger });
  return { sim, send: async (to, body) => (await channel.send({ to, from: SCHOOL, body, statusCallback: STATUS_URL })).providerSid };
}

beforeAll(async () => {
  const rx = express();
  rx.use(express.urlencoded({ extended: false }));
  rx.post('/webhooks/twilio/sms', (_req, res) => void res.type('text/xml').send('<Response/>'));
  rx.post('/webhooks/twilio/status', (req, res) => {
    statusCallbacks.push(req.body);
    res.end();
  });
  receiverUrl = urlOf(await listen(rx));
});

afterAll(async () => {
  await redis.del(key);
  await redis.quit();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

test('a restarted simulator has its phones back, keeps their opt-outs, and delivers what it had not settled', async () => {
  const first = await startSim();
  expect((await first.sim.inbound(PARENT, SCHOOL, 'Is school open tomorrow?')).ok).toBe(true);
  const answered = await first.send(PARENT, 'Yes, as usual.');
  await waitFor(() => first.sim.message(answered)?.status === 'delivered');
  expect((await first.sim.inbound(PARENT, SCHOOL, 'STOP')).ok).toBe(true);
  first.sim.setDeliveryDelay(60_000); // the next text is still on its way when the simulator stops
  const onItsWay = await first.send(OTHER_PARENT, 'Report cards go home Friday.');
  await waitFor(() => first.sim.message(onItsWay)?.status === 'sent');
  const before = first.sim.thread(PARENT).map((m) => [m.direction, m.body, m.status]);
  await first.sim.close();

  const second = await startSim();
  expect(second.sim.thread(PARENT).map((m) => [m.direction, m.body, m.status])).toEqual(before);
  expect(before.map(([, body]) => body)).toEqual([
    'Is school open tomorrow?',
    'Yes, as usual.',
    'STOP',
    expect.stringMatching(/unsubscribed/),
  ]);
  const refused = await second.send(PARENT, 'Picture day is Thursday.').catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(SendError);
  expect(refused).toMatchObject({ code: 21610 });

  await waitFor(() => statusCallbacks.some((p) => p.MessageSid === onItsWay && p.MessageStatus === 'delivered'));
  expect(second.sim.message(onItsWay)?.status).toBe('delivered');
  await second.sim.close();
});

test('a simulator closed while a status callback is in flight leaves nothing running: its process ends by itself', async () => {
  // In its own process, so that what a closed simulator left running shows as a process that does not end.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../helpers/sim-close-child.ts')], {
    env: { ...process.env, HISTORY_KEY: `${key}:close` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await waitFor(() => output.includes('closed'), 30_000);
    // Its text was due to be delivered ten minutes later; closed, nothing waits for that.
    await waitFor(() => child.exitCode !== null, 20_000);
    expect({ code: child.exitCode, output: output.trim() }).toEqual({ code: 0, output: 'closed' });
  } finally {
    child.kill('SIGKILL');
  }
}, 60_000);
