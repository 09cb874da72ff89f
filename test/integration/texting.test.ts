import { eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool, seedStaff } from '../helpers/seed';
import { conversations, messageEvents, messages, optOuts } from '../../db/schema';
import { sendStaffReply } from '../../src/messaging/outbound';
import { sendJobId } from '../../src/queue/names';

const SCHOOL_FROM = '+15555550100';
const PARENT = '+15555550111';
const PARENT_ES = '+15555550122';
const STRANGER = '+15555550199';
const LANDLINE = '+15555550133';

let app: TestApp;
const clock = new TestClock();
let familyId: number;
let familyEsId: number;
let landlineFamilyId: number;
let staffId: number;

interface SimItem {
  sid: string;
  from: string;
  to: string;
  body: string;
  status: string;
  errorCode: number | null;
}

const simInbox = async (to: string): Promise<SimItem[]> =>
  (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items;

const textFromPhone = (from: string, body: string) =>
  fetch(`${app.url}/sim/api/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, to: SCHOOL_FROM, body }),
  });

const injectFailure = (to: string, errorCode: number, times?: number) =>
  fetch(`${app.url}/sim/api/failures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to, errorCode, times }),
  });

const rowsFor = (to: string) => app.deps.db.select().from(messages).where(eq(messages.toNumber, to)).all();
const messageById = (id: number) => app.deps.db.select().from(messages).where(eq(messages.id, id)).get()!;

function inboundParams(sid: string, body: string, from = PARENT): Record<string, string> {
  return {
    MessageSid: sid,
    SmsSid: sid,
    SmsMessageSid: sid,
    AccountSid: app.config.twilio.accountSid,
    From: from,
    To: SCHOOL_FROM,
    Body: body,
    NumMedia: '0',
    NumSegments: '1',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
  };
}

const sid = (n: number) => 'SM' + n.toString(16).padStart(32, '0');

async function reply(body: string, family = familyId, urgent = false) {
  const conv = app.deps.db.select().from(conversations).where(eq(conversations.familyId, family)).get()
    ?? app.deps.db.insert(conversations).values({ schoolId: 1, familyId: family, createdAt: new Date().toISOString() }).returning().get();
  const { messages: sent } = await sendStaffReply(app.deps, { conversationId: conv.id, staffId, body, urgent });
  return sent;
}

beforeAll(async () => {
  app = await startTestApp('texting', { clock });
  const school = seedSchool(app.deps.db, { name: 'Maple Street School' });
  familyId = seedFamily(app.deps.db, school.id, { name: 'Rivera', guardians: [{ first: 'Ana', phone: PARENT }] }).family.id;
  familyEsId = seedFamily(app.deps.db, school.id, { name: 'Lopez', language: 'es', guardians: [{ first: 'Rosa', phone: PARENT_ES }] }).family.id;
  landlineFamilyId = seedFamily(app.deps.db, school.id, { name: 'Okafor', guardians: [{ first: 'Chidi', phone: LANDLINE }] }).family.id;
  staffId = seedStaff(app.deps.db, { email: 'teacher@maple.test', role: 'teacher', schoolId: school.id }).id;
});

afterAll(async () => {
  await app.stop();
});

describe('inbound webhook', () => {
  test('a text from a parent lands in their family conversation, unread', async () => {
    const res = await textFromPhone(PARENT, 'Is the field trip still on Friday?');
    expect(res.status).toBe(200);
    const { sid: smSid } = await res.json();
    expect(smSid).toMatch(/^SM[0-9a-f]{32}$/);
    const row = app.deps.db.select().from(messages).where(eq(messages.providerSid, smSid)).get()!;
    const conv = app.deps.db.select().from(conversations).where(eq(conversations.id, row.conversationId)).get()!;
    expect(conv.familyId).toBe(familyId);
    expect(conv.unreadCount).toBeGreaterThan(0);
    expect(row).toMatchObject({ direction: 'inbound', status: 'received', body: 'Is the field trip still on Friday?' });
  });

  test('a retried webhook stores one row and answers 200 both times', async () => {
    const params = inboundParams(sid(1), 'Thank you!');
    const first = await app.postWebhook('/webhooks/twilio/sms', params);
    const second = await app.postWebhook('/webhooks/twilio/sms', params);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await second.text()).toContain('<Response/>');
    expect(app.deps.db.select().from(messages).where(eq(messages.providerSid, sid(1))).all()).toHaveLength(1);
  });

  test('a bad or missing signature gets 403 and stores nothing', async () => {
    const params = inboundParams(sid(2), 'forged');
    expect((await app.postWebhook('/webhooks/twilio/sms', params, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
    const unsigned = await fetch(`${app.url}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    expect(unsigned.status).toBe(403);
    expect(app.deps.db.select().from(messages).where(eq(messages.providerSid, sid(2))).all()).toHaveLength(0);
  });

  test('a number no roster knows opens an unmatched conversation', async () => {
    await app.postWebhook('/webhooks/twilio/sms', inboundParams(sid(3), 'Who is this?', STRANGER));
    const conv = app.deps.db.select().from(conversations).where(eq(conversations.unmatchedNumber, STRANGER)).get()!;
    expect(conv.familyId).toBeNull();
    expect(conv.schoolId).not.toBeNull();
  });

  test('60 generated malformed bodies never get a 500, and signed ones get 400', async () => {
    const good = inboundParams(sid(4), 'hello');
    const bodies: { params: Record<string, string>; raw?: string }[] = [];
    for (const key of Object.keys(good)) {
      const missing = { ...good };
      delete missing[key];
      bodies.push({ params: missing });
      bodies.push({ params: { ...good, [key]: '' } });
      bodies.push({ params: { ...good, [key]: 'x'.repeat(3000) } });
    }
    for (const bad of ['not-a-number', '+', '12', 'DROP TABLE', '😀', '\u0000']) {
      bodies.push({ params: { ...good, From: bad } });
      bodies.push({ params: { ...good, MessageSid: bad } });
      bodies.push({ params: { ...good, NumMedia: bad } });
    }
    bodies.push({ params: good, raw: 'MessageSid=a&MessageSid=b&From=%2B1555' });
    bodies.push({ params: good, raw: '%%%%' });
    bodies.push({ params: good, raw: '{"json":true}' });
    expect(bodies.length).toBeGreaterThanOrEqual(50);
    const statuses = new Set<number>();
    for (const b of bodies) {
      const res = b.raw
        ? await fetch(`${app.url}/webhooks/twilio/sms`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
            body: b.raw,
          })
        : await app.postWebhook('/webhooks/twilio/sms', b.params);
      statuses.add(res.status);
      expect(res.status).toBeLessThan(500);
    }
    expect(statuses.has(400)).toBe(true);
    const status = await app.postWebhook('/webhooks/twilio/status', { MessageSid: 'nope', MessageStatus: 'teleported', AccountSid: app.config.twilio.accountSid });
    expect(status.status).toBe(400);
  });
});

describe('outbound texts', () => {
  test('a staff reply goes queued → sent → delivered and the phone receives it', async () => {
    const [sent] = await reply('Yes, the trip is on. Bring a jacket!');
    expect(sent.status).toBe('queued');
    const row = await waitFor(() => (messageById(sent.id).status === 'delivered' ? messageById(sent.id) : null));
    expect(row.providerSid).toMatch(/^SM/);
    const inbox = await simInbox(PARENT);
    expect(inbox.map((m) => m.body)).toContain('Yes, the trip is on. Bring a jacket!');
    const events = app.deps.db.select().from(messageEvents).where(eq(messageEvents.messageId, sent.id)).all();
    expect(events.map((e) => e.status)).toEqual(expect.arrayContaining(['sent', 'delivered']));
  });

  test('status callbacks in shuffled order end at the highest status, each one kept', async () => {
    const [sent] = await reply('Conferences are next week.');
    const row = await waitFor(() => (messageById(sent.id).status === 'delivered' ? messageById(sent.id) : null));
    const order = ['delivered', 'queued', 'sent', 'sending', 'delivered', 'sent'];
    for (const s of order) {
      const res = await app.postWebhook('/webhooks/twilio/status', {
        MessageSid: row.providerSid!,
        MessageStatus: s,
        AccountSid: app.config.twilio.accountSid,
        To: PARENT,
        From: SCHOOL_FROM,
      });
      expect(res.status).toBe(200);
    }
    expect(messageById(sent.id).status).toBe('delivered');
    const events = app.deps.db.select().from(messageEvents).where(eq(messageEvents.messageId, sent.id)).all();
    expect(events.length).toBeGreaterThanOrEqual(order.length + 2);
    expect(events.filter((e) => e.applied).length).toBeLessThanOrEqual(3);
  });

  test('a throttled send is retried and then delivered', async () => {
    expect((await injectFailure(PARENT, 20429, 1)).status).toBe(200);
    const [sent] = await reply('Reading log is due Monday.');
    const row = await waitFor(() => (messageById(sent.id).status === 'delivered' ? messageById(sent.id) : null), 20000);
    expect(row.attempts).toBe(2);
  });

  test('a permanent API failure fails once with its code and is not retried', async () => {
    await injectFailure(PARENT, 21211);
    const [sent] = await reply('Picture day is Thursday.');
    const row = await waitFor(() => (messageById(sent.id).status === 'failed' ? messageById(sent.id) : null));
    expect(row.errorCode).toBe(21211);
    await new Promise((r) => setTimeout(r, 2500));
    expect(messageById(sent.id).attempts).toBe(1);
    await injectFailure(PARENT, 21211, 0);
  });

  test('a landline reported by the carrier ends undelivered with 30006, never retried', async () => {
    await injectFailure(LANDLINE, 30006);
    const [sent] = await reply('The book fair opens Monday.', landlineFamilyId);
    const row = await waitFor(() => (messageById(sent.id).status === 'undelivered' ? messageById(sent.id) : null));
    expect(row.errorCode).toBe(30006);
    expect(row.attempts).toBe(1);
    // The number is flagged, so the next reply has nobody to go to.
    await expect(reply('Are you there?', landlineFamilyId)).rejects.toThrow(/no number/);
  });

  test('a phone that was off (30003) gets the text again 15 minutes later, once it is back', async () => {
    const phone = '+15555550144';
    const { family } = seedFamily(app.deps.db, 1, { name: 'Nakamura', guardians: [{ first: 'Keiko', phone }] });
    await injectFailure(phone, 30003, 1);
    const [sent] = await reply('Field trip forms are due Friday.', family.id);
    const failedAt = clock.now();
    // The carrier's "undelivered" puts the text back in line, held for its next try.
    const held = await waitFor(() => (messageById(sent.id).status === 'held' ? messageById(sent.id) : null));
    expect(held).toMatchObject({ errorCode: 30003, attempts: 1, providerSid: null, scheduledFor: new Date(failedAt + 15 * 60_000).toISOString() });
    const job = (await app.deps.queues.send.getJob(sendJobId(sent.id)))!;
    expect(await job.getState()).toBe('delayed');

    clock.advance(15 * 60_000);
    await job.promote();
    const row = await waitFor(() => (messageById(sent.id).status === 'delivered' ? messageById(sent.id) : null));
    expect(row.attempts).toBe(2);
    const sids = new Set(app.deps.db.select().from(messageEvents).where(eq(messageEvents.messageId, sent.id)).all().map((e) => e.providerSid));
    expect(sids.size).toBe(2); // two sends, each its own provider message, every callback kept
    clock.set('2026-11-18T15:00:00Z');
  });

  test('a phone that stays unreachable gets three tries in all, then the text ends undelivered', async () => {
    const phone = '+15555550155';
    const { family } = seedFamily(app.deps.db, 1, { name: 'Ferreira', guardians: [{ first: 'Bruna', phone }] });
    await injectFailure(phone, 30003, 3);
    const [sent] = await reply('Conferences are next week.', family.id);
    for (const wait of [15, 60]) {
      await waitFor(() => messageById(sent.id).status === 'held');
      clock.advance(wait * 60_000);
      await (await app.deps.queues.send.getJob(sendJobId(sent.id)))!.promote();
      await waitFor(() => messageById(sent.id).status !== 'held');
    }
    const row = await waitFor(() => (messageById(sent.id).status === 'undelivered' ? messageById(sent.id) : null));
    expect(row).toMatchObject({ errorCode: 30003, attempts: 3 });
    await new Promise((r) => setTimeout(r, 500));
    expect(messageById(sent.id).status).toBe('undelivered');
    clock.set('2026-11-18T15:00:00Z');
  });

  test('a retry that would fall after 20:00 waits for the morning, like any text', async () => {
    clock.set('2026-11-19T00:50:00Z'); // 19:50 in New York
    const phone = '+15555550166';
    const { family } = seedFamily(app.deps.db, 1, { name: 'Osei', guardians: [{ first: 'Kofi', phone }] });
    await injectFailure(phone, 30003, 1);
    const [sent] = await reply('Tomorrow is a half day.', family.id);
    await waitFor(() => messageById(sent.id).status === 'held');
    clock.set('2026-11-19T01:05:00Z'); // 20:05: quiet hours
    await (await app.deps.queues.send.getJob(sendJobId(sent.id)))!.promote();
    await waitFor(() => messageById(sent.id).scheduledFor === '2026-11-19T13:00:00.000Z');
    expect(messageById(sent.id)).toMatchObject({ status: 'held', attempts: 1 });
    clock.set('2026-11-18T15:00:00Z');
  });

  test('a Spanish text with accents is sent as UCS-2 and counted in 67-unit parts', async () => {
    const body = 'Hola, Rosa: mañana habrá reunión de padres a las 6. ¡Gracias por su ayuda en la clase de matemáticas!';
    const [sent] = await reply(body, familyEsId);
    const row = messageById(sent.id);
    expect(row.encoding).toBe('UCS-2');
    expect(row.segments).toBe(Math.ceil([...body].length / 67));
  });
});
