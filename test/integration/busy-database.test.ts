import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { testDialect } from '../helpers/database';
import { seedFamily, seedSchool } from '../helpers/seed';
import { openDatabase, transaction, type OpenedDatabase } from '../../db/client';
import { first } from '../../db/query';
import { conversations, families, messageEvents, messages } from '../../db/schema';
import type { InboundSms, StatusUpdate } from '../../src/channels/channel';
import { sendJobId, spooledWebhookJobId, type Webhook } from '../../src/queue/names';
import { addStaffWithToken } from '../../src/staff/accounts';

/**
 * A roster import writes in one long transaction. While it runs, a parent's text must still
 * never be lost: Twilio does not retry a webhook that failed. The import is played here from a
 * second connection, as an import from the CLI or another host would hold it. SQLite has one
 * writer, so there the webhook is kept and stored once the file is free; PostgreSQL has many,
 * so there it is stored at once.
 */

const SCHOOL_FROM = '+15555550100';
const PARENT = '+15555550161';

let app: TestApp;
let token: string;
let schoolId: number;
let familyId: number;
let conversationId: number;

const sid = (n: number) => 'SM' + (0xb05e00 + n).toString(16).padStart(32, '0');
const inbound = (messageSid: string, body: string) => ({
  MessageSid: messageSid, SmsSid: messageSid, AccountSid: app.config.twilio.accountSid,
  From: PARENT, To: SCHOOL_FROM, Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
});
const statusCallback = (providerSid: string) => ({
  MessageSid: providerSid, SmsSid: providerSid, AccountSid: app.config.twilio.accountSid,
  MessageStatus: 'delivered', SmsStatus: 'delivered', To: PARENT, From: SCHOOL_FROM, ApiVersion: '2010-04-01',
});
const simSettings = async (settings: { apiDelayMs: number; deliveryDelayMs: number }) => {
  const res = await fetch(`${app.url}/sim/api/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
  expect(res.status).toBe(200);
};
const stored = (providerSid: string) => app.deps.db.select().from(messages).where(eq(messages.providerSid, providerSid));
const events = (providerSid: string) => app.deps.db.select().from(messageEvents).where(eq(messageEvents.providerSid, providerSid));

beforeAll(async () => {
  app = await startTestApp('busy-database');
  const school = await seedSchool(app.deps.db, { name: 'Juniper Hollow School', from: SCHOOL_FROM, mps: 0 });
  const { family } = await seedFamily(app.deps.db, school.id, { name: 'Okafor', guardians: [{ first: 'Ada', phone: PARENT }] });
  schoolId = school.id;
  familyId = family.id;
  ({ token } = await addStaffWithToken(app.deps.db, { email: 'office@juniper.test', role: 'school_admin', schoolId: school.id }, new Date(app.deps.clock.now()).toISOString()));
  [{ id: conversationId }] = await app.deps.db
    .insert(conversations)
    .values({ schoolId: school.id, familyId: family.id, createdAt: new Date(app.deps.clock.now()).toISOString() })
    .returning();
});

afterAll(async () => {
  await app.stop();
});

if (testDialect() === 'sqlite') describe('SQLite, while another process holds the one write lock', () => {
  let importer: Database.Database;
  /**
   * Each write queued in this process waits out SQLite's busy wait (5 s) in turn before it hears
   * the file is busy, so a webhook behind the send worker's retries is kept only after several.
   */
  const BUSY_WAITS_MS = 60_000;

  /** Runs `fn` while another connection holds the database's write lock, then lets go. */
  async function whileImporting<T>(fn: () => Promise<T>): Promise<T> {
    importer.exec('BEGIN IMMEDIATE');
    try {
      return await fn();
    } finally {
      importer.exec('COMMIT');
    }
  }

  beforeAll(() => {
    importer = new Database(app.config.databaseUrl.replace(/^file:/, ''));
  });

  afterEach(async () => {
    await simSettings({ apiDelayMs: 0, deliveryDelayMs: 100 });
  });

  afterAll(() => {
    importer.close();
  });

  test('a text that arrives while the database is held is answered, kept, and stored once it is free', async () => {
    const arrived = new Date(app.deps.clock.now()).toISOString();
    await whileImporting(async () => {
      const res = await app.postWebhook('/webhooks/twilio/sms', inbound(sid(1), 'Is the bus running late today?'));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<Response/>');
      // Twilio's own retry of the same webhook, still during the import, adds nothing.
      expect((await app.postWebhook('/webhooks/twilio/sms', inbound(sid(1), 'Is the bus running late today?'))).status).toBe(200);
      expect(await stored(sid(1))).toEqual([]);
    });
    const [row] = await waitFor(async () => {
      const rows = await stored(sid(1));
      return rows.length > 0 && rows;
    });
    expect(row).toMatchObject({ direction: 'inbound', status: 'received', body: 'Is the bus running late today?', conversationId, createdAt: arrived });
  }, BUSY_WAITS_MS + 30_000);

  test('a status callback that arrives while the database is held is kept and recorded', async () => {
    const providerSid = sid(2);
    await whileImporting(async () => {
      const res = await app.postWebhook('/webhooks/twilio/status', statusCallback(providerSid));
      expect(res.status).toBe(200);
    });
    const kept = await waitFor(async () => {
      const rows = await events(providerSid);
      return rows.length && rows;
    });
    expect(kept).toMatchObject([{ status: 'delivered' }]);
  }, BUSY_WAITS_MS + 30_000);

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
  }, BUSY_WAITS_MS + 30_000);

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
    const message = async () => (await first(app.deps.db.select().from(messages).where(eq(messages.id, id))))!;
    const onPhone = async () =>
      ((await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(PARENT)}`)).json()).items as { sid: string; body: string }[]).filter((m) => m.body === body);
    await waitFor(async () => (await message()).status === 'sending'); // claimed; the carrier has not answered yet
    const taken = await whileImporting(async () => {
      const [onThePhone] = await waitFor(async () => {
        const copies = await onPhone();
        return copies.length > 0 && copies;
      });
      // The carrier's "delivered" follows its answer to the send; like every webhook now, it is kept for later.
      const delivered: Webhook = { kind: 'status', update: { providerSid: onThePhone.sid, status: 'delivered' } as StatusUpdate, params: {} };
      await waitFor(async () => (await app.deps.queues.inbound.getJob(spooledWebhookJobId(delivered))) !== undefined, BUSY_WAITS_MS);
      // The worker has the carrier's sid but cannot store it while the import holds the database.
      expect(importer.prepare('SELECT status, provider_sid FROM messages WHERE id = ?').get(id)).toEqual({ status: 'sending', provider_sid: null });
      return onThePhone;
    });
    const row = await waitFor(async () => {
      const m = await message();
      return m.status === 'delivered' && m;
    });
    expect(row).toMatchObject({ providerSid: taken.sid, attempts: 1 });
    const job = await app.deps.queues.send.getJob(sendJobId(id));
    await waitFor(async () => (await job!.getState()) === 'completed');
    expect(await onPhone()).toHaveLength(1);
  }, BUSY_WAITS_MS + 30_000);
});

if (testDialect() === 'postgres') describe('PostgreSQL, while another connection holds a roster import open', () => {
  let importer: OpenedDatabase;

  function deferred() {
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    return { promise, release };
  }

  /**
   * Runs `fn` while an import's transaction, on a connection of its own, has added a household
   * and renamed the Okafor family and not yet committed; then lets it commit.
   */
  async function whileImporting<T>(household: string, fn: () => Promise<T>): Promise<T> {
    const holding = deferred();
    const done = deferred();
    const at = new Date(app.deps.clock.now()).toISOString();
    const importing = transaction(importer.db, async (tx) => {
      await tx.insert(families).values({ schoolId, displayName: household, language: 'en', createdAt: at, updatedAt: at });
      await tx.update(families).set({ displayName: `Okafor (${household})`, updatedAt: at }).where(eq(families.id, familyId));
      holding.release();
      await done.promise;
    });
    await Promise.race([holding.promise, importing]);
    try {
      return await fn();
    } finally {
      done.release();
      await importing;
    }
  }
  const household = (name: string) => first(app.deps.db.select().from(families).where(eq(families.displayName, name)));

  beforeAll(async () => {
    importer = await openDatabase(app.config.databaseUrl, { poolSize: 2 });
  });

  afterAll(async () => {
    await importer.close();
  });

  test('a text that arrives during a roster import is stored at once, and answered', async () => {
    const arrived = new Date(app.deps.clock.now()).toISOString();
    const text = inbound(sid(11), 'Is the bus running late today?');
    await whileImporting('Adeyemi', async () => {
      const res = await app.postWebhook('/webhooks/twilio/sms', text);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<Response/>');
      // Stored by the time it was answered, while the import has still not committed.
      expect(await stored(sid(11))).toMatchObject([
        { direction: 'inbound', status: 'received', body: 'Is the bus running late today?', conversationId, createdAt: arrived },
      ]);
      expect(await household('Adeyemi')).toBeUndefined();
      // Nothing was kept for later.
      const asWebhook: Webhook = { kind: 'sms', sms: { providerSid: sid(11) } as InboundSms };
      expect(await app.deps.queues.inbound.getJob(spooledWebhookJobId(asWebhook))).toBeUndefined();
      // Twilio's own retry of the same webhook, still during the import, adds nothing.
      expect((await app.postWebhook('/webhooks/twilio/sms', text)).status).toBe(200);
      expect(await stored(sid(11))).toHaveLength(1);
    });
    expect(await household('Adeyemi')).toMatchObject({ schoolId });
  });

  test('a status callback that arrives during a roster import is recorded at once', async () => {
    const providerSid = sid(12);
    await whileImporting('Brandt', async () => {
      expect((await app.postWebhook('/webhooks/twilio/status', statusCallback(providerSid))).status).toBe(200);
      expect(await events(providerSid)).toMatchObject([{ status: 'delivered' }]);
      expect(await household('Brandt')).toBeUndefined();
    });
    expect(await household('Brandt')).toMatchObject({ schoolId });
  });

  test('the staff API takes a reply during a roster import', async () => {
    const res = await whileImporting('Castillo', () =>
      fetch(`${app.url}/api/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ body: 'The bus is ten minutes late.' }),
      }),
    );
    expect(res.status).toBe(202);
  });
});
