import Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { seedFamily, seedSchool } from '../helpers/seed';
import { conversations, messageEvents, messages } from '../../db/schema';
import type { StatusUpdate } from '../../src/channels/channel';
import { sendJobId, spooledWebhookJobId, type Webhook } from '../../src/queue/names';
import { addStaffWithToken } from '../../src/staff/accounts';

/**
 * SQLite has one writer. While another process holds the write lock (a roster import's one
 * transaction), a parent's text must still never be lost: Twilio does not retry a webhook
 * that failed. The lock is held here from a second connection, as an import would.
 */

const SCHOOL_FROM = '+15555550100';
const PARENT = '+15555550161';

let app: TestApp;
let importer: Database.Database;
let token: string;
let conversationId: number;

const sid = (n: number) => 'SM' + (0xb05e00 + n).toString(16).padStart(32, '0');
const inbound = (messageSid: string, body: string) => ({
  MessageSid: messageSid, SmsSid: messageSid, AccountSid: app.config.twilio.accountSid,
  From: PARENT, To: SCHOOL_FROM, Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
});
const simSettings = async (settings: { apiDelayMs: number; deliveryDelayMs: number }) => {
  const res = await fetch(`${app.url}/sim/api/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
  expect(res.status).toBe(200);
};
const stored = (providerSid: string) => app.deps.db.select().from(messages).where(eq(messages.providerSid, providerSid)).all();

/** Runs `fn` while another connection holds the database's write lock, then lets go. */
async function whileImporting<T>(fn: () => Promise<T>): Promise<T> {
  importer.exec('BEGIN IMMEDIATE');
  try {
    return await fn();
  } finally {
    importer.exec('COMMIT');
  }
}

beforeAll(async () => {
  app = await startTestApp('busy-database');
  // Wait a fifth of a second for the lock instead of five: the outcome is the same, the test faster.
  app.deps.db.run(sql`PRAGMA busy_timeout = 200`);
  importer = new Database(app.config.databaseUrl.replace(/^file:/, ''));
  const school = seedSchool(app.deps.db, { name: 'Juniper Hollow School', from: SCHOOL_FROM, mps: 0 });
  const { family } = seedFamily(app.deps.db, school.id, { name: 'Okafor', guardians: [{ first: 'Ada', phone: PARENT }] });
  ({ token } = await addStaffWithToken(app.deps.db, { email: 'office@juniper.test', role: 'school_admin', schoolId: school.id }, new Date(app.deps.clock.now()).toISOString()));
  conversationId = app.deps.db.insert(conversations).values({ schoolId: school.id, familyId: family.id, createdAt: new Date(app.deps.clock.now()).toISOString() }).returning().get().id;
});

afterEach(async () => {
  await simSettings({ apiDelayMs: 0, deliveryDelayMs: 100 });
});

afterAll(async () => {
  importer.close();
  await app.stop();
});

test('a text that arrives while the database is held is answered, kept, and stored once it is free', async () => {
  const arrived = new Date(app.deps.clock.now()).toISOString();
  await whileImporting(async () => {
    const res = await app.postWebhook('/webhooks/twilio/sms', inbound(sid(1), 'Is the bus running late today?'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Response/>');
    // Twilio's own retry of the same webhook, still during the import, adds nothing.
    expect((await app.postWebhook('/webhooks/twilio/sms', inbound(sid(1), 'Is the bus running late today?'))).status).toBe(200);
    expect(stored(sid(1))).toEqual([]);
  });
  const [row] = await waitFor(() => {
    const rows = stored(sid(1));
    return rows.length > 0 && rows;
  });
  expect(row).toMatchObject({ direction: 'inbound', status: 'received', body: 'Is the bus running late today?', conversationId, createdAt: arrived });
});

test('a status callback that arrives while the database is held is kept and recorded', async () => {
  const providerSid = sid(2);
  await whileImporting(async () => {
    const res = await app.postWebhook('/webhooks/twilio/status', {
      MessageSid: providerSid, SmsSid: providerSid, AccountSid: app.config.twilio.accountSid,
      MessageStatus: 'delivered', SmsStatus: 'delivered', To: PARENT, From: SCHOOL_FROM, ApiVersion: '2010-04-01',
    });
    expect(res.status).toBe(200);
  });
  const events = await waitFor(() => {
    const rows = app.deps.db.select().from(messageEvents).where(eq(messageEvents.providerSid, providerSid)).all();
    return rows.length && rows;
  });
  expect(events).toMatchObject([{ status: 'delivered' }]);
});

test('the staff API answers 503 with Retry-After while the database is held, never 500, and works after', async () => {
  const post = () =>
    fetch(`${app.url}/api/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'The bus is ten minutes late.' }),
    });
  const busy = await whileImporting(post);
  expect(busy.status).toBe(503);
  expect(busy.headers.get('retry-after')).toBe('5');
  expect((await busy.json()).error.code).toBe('busy');
  expect((await post()).status).toBe(202);
});

test('a text the carrier took while the database was held is recorded once it is free, and sent only once', async () => {
  const body = 'Early pickup today at 1 pm.';
  // The carrier answers the send 1.5 s after taking it and reports it delivered 3 s after: an
  // import can take the database between the send's claim and the carrier's answer.
  await simSettings({ apiDelayMs: 1500, deliveryDelayMs: 3000 });
  const res = await fetch(`${app.url}/api/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ body }),
  });
  expect(res.status).toBe(202);
  const { id } = await res.json();
  const message = () => app.deps.db.select().from(messages).where(eq(messages.id, id)).get()!;
  const onPhone = async () =>
    ((await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(PARENT)}`)).json()).items as { sid: string; body: string }[]).filter((m) => m.body === body);
  await waitFor(() => message().status === 'sending'); // claimed; the carrier has not answered yet
  const taken = await whileImporting(async () => {
    const [onThePhone] = await waitFor(async () => {
      const copies = await onPhone();
      return copies.length > 0 && copies;
    });
    // The carrier's "delivered" follows its answer to the send; like every webhook now, it is kept for later.
    const delivered: Webhook = { kind: 'status', update: { providerSid: onThePhone.sid, status: 'delivered' } as StatusUpdate, params: {} };
    await waitFor(async () => (await app.deps.queues.inbound.getJob(spooledWebhookJobId(delivered))) !== undefined);
    // The worker has the carrier's sid but cannot store it while the import holds the database.
    expect(importer.prepare('SELECT status, provider_sid FROM messages WHERE id = ?').get(id)).toEqual({ status: 'sending', provider_sid: null });
    return onThePhone;
  });
  const row = await waitFor(() => message().status === 'delivered' && message());
  expect(row).toMatchObject({ providerSid: taken.sid, attempts: 1 });
  const job = await app.deps.queues.send.getJob(sendJobId(id));
  await waitFor(async () => (await job!.getState()) === 'completed');
  expect(await onPhone()).toHaveLength(1);
});
