import { eq } from 'drizzle-orm';
import type { JobState } from 'bullmq';
import twilio from 'twilio';
import { PUBLIC_BASE_URL, startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool, seedStaff } from '../helpers/seed';
import { conversations, messageEvents, messages, optOuts } from '../../db/schema';
import { first } from '../../db/query';
import { claimForSend } from '../../db/repositories/messages';
import { textableNumbers } from '../../db/repositories/routing';
import { deliverMessage, SEND_CLAIM_LEASE_MS } from '../../src/messaging/deliver';
import { sendStaffReply } from '../../src/messaging/outbound';
import { recoverOutbound } from '../../src/messaging/recover';
import { sendJobId } from '../../src/queue/names';
import { addStaffWithToken } from '../../src/staff/accounts';

const SCHOOL_FROM = '+15555550100';
const PARENT = '+15555550111';
const PARENT_ES = '+15555550122';
const STRANGER = '+15555550199';
const LANDLINE = '+15555550133';
const START = '2026-11-18T15:00:00Z'; // 10:00 in New York, a Wednesday

let app: TestApp;
const clock = new TestClock(START);
let familyId: number;
let familyEsId: number;
let landlineFamilyId: number;
let staffId: number;
let adminToken: string;

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
/** Every copy of `body` the carrier took for `to`, whatever became of it. */
const copiesOnPhone = async (to: string, body: string) => (await simInbox(to)).filter((m) => m.body === body);

const textFromPhone = (from: string, body: string) =>
  fetch(`${app.url}/sim/api/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, to: SCHOOL_FROM, body }),
  });

const simPost = (path: string, body: unknown) =>
  fetch(`${app.url}/sim/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const injectFailure = (to: string, errorCode: number, times?: number) => simPost('/failures', { to, errorCode, times });
/** Failures still waiting to happen for a number: `times` left, null for always. */
const pendingFailures = async (to: string): Promise<{ errorCode: number; times: number | null }[]> =>
  ((await (await fetch(`${app.url}/sim/api/failures`)).json()).items as { to: string; errorCode: number; times: number | null }[])
    .filter((f) => f.to === to)
    .map(({ errorCode, times }) => ({ errorCode, times }));
/**
 * The carrier answers a send only after `ms` and reports on it at once: its status callbacks then
 * reach FamilyLine before the send's own answer. 0 puts the simulator back as it starts.
 */
const slowCarrierAnswers = async (ms: number) =>
  expect((await simPost('/settings', { apiDelayMs: ms, deliveryDelayMs: ms ? 0 : 100 })).status).toBe(200);

const messageById = async (id: number) => (await first(app.deps.db.select().from(messages).where(eq(messages.id, id))))!;

/** The send job of a message's round (0: its first job; n: its n-th carrier retry or recovery). */
const sendJob = (id: number, round = 0) => app.deps.queues.send.getJob(sendJobId(id, round));
/** Waits for the job to reach `state`, then reads it afresh: a copy read before that lacks what the state brought (finishedOn, failedReason). */
async function waitForJob(id: number, round: number, state: JobState) {
  await waitFor(async () => {
    const job = await sendJob(id, round);
    return job && (await job.getState()) === state;
  });
  return (await sendJob(id, round))!;
}
const waitForStatus = (id: number, status: string) =>
  waitFor(async () => {
    const row = await messageById(id);
    return row.status === status ? row : null;
  });

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
  const conv = (await first(app.deps.db.select().from(conversations).where(eq(conversations.familyId, family))))
    ?? (await app.deps.db.insert(conversations).values({ schoolId: 1, familyId: family, createdAt: new Date().toISOString() }).returning())[0];
  const { messages: sent } = await sendStaffReply(app.deps, { conversationId: conv.id, staffId, body, urgent });
  return sent;
}

let phoneSeq = 0;
/** A family of its own for a test, so no other test's texts or failures reach its phone. */
async function newFamily(name: string) {
  const phone = `+1555555${String(300 + ++phoneSeq).padStart(4, '0')}`;
  return { phone, familyId: (await seedFamily(app.deps.db, 1, { name, guardians: [{ first: 'Sam', phone }] })).family.id };
}

beforeAll(async () => {
  app = await startTestApp('texting', { clock });
  const school = await seedSchool(app.deps.db, { name: 'Maple Street School' });
  familyId = (await seedFamily(app.deps.db, school.id, { name: 'Rivera', guardians: [{ first: 'Ana', phone: PARENT }] })).family.id;
  familyEsId = (await seedFamily(app.deps.db, school.id, { name: 'Lopez', language: 'es', guardians: [{ first: 'Rosa', phone: PARENT_ES }] })).family.id;
  landlineFamilyId = (await seedFamily(app.deps.db, school.id, { name: 'Okafor', guardians: [{ first: 'Chidi', phone: LANDLINE }] })).family.id;
  staffId = (await seedStaff(app.deps.db, { email: 'teacher@maple.test', role: 'teacher', schoolId: school.id })).id;
  ({ token: adminToken } = await addStaffWithToken(app.deps.db, { email: 'office@maple.test', role: 'school_admin', schoolId: school.id }, START));
});

afterEach(async () => {
  clock.set(START);
  await app.deps.queues.send.resume();
  await slowCarrierAnswers(0);
  expect((await fetch(`${app.url}/sim/api/failures`, { method: 'DELETE' })).status).toBe(200);
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
    const row = (await first(app.deps.db.select().from(messages).where(eq(messages.providerSid, smSid))))!;
    const conv = (await first(app.deps.db.select().from(conversations).where(eq(conversations.id, row.conversationId))))!;
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
    expect(await app.deps.db.select().from(messages).where(eq(messages.providerSid, sid(1)))).toHaveLength(1);
  });

  test('a burst of webhooks at once, retries and a STOP among them, stores each text once with the unread counts one at a time gives', async () => {
    const fam = await newFamily('Castillo');
    const stopper = await newFamily('Nakamura');
    const stranger = '+15555550188';
    const texts = [
      ...Array.from({ length: 30 }, (_, i) => inboundParams(sid(0x500 + i), `Question ${i} about the fair`, fam.phone)),
      ...[0, 1, 2].map(() => inboundParams(sid(0x540), 'Sent once, delivered three times', fam.phone)),
      ...[0, 1, 2].map((i) => inboundParams(sid(0x550 + i), `Hello ${i}, who is this?`, stranger)),
      inboundParams(sid(0x560), 'STOP', stopper.phone),
    ];
    const answers = await Promise.all(texts.map((p) => app.postWebhook('/webhooks/twilio/sms', p)));
    expect(answers.map((r) => r.status)).toEqual(texts.map(() => 200));

    const stored = await app.deps.db.select().from(messages).where(eq(messages.direction, 'inbound'));
    for (const s of new Set(texts.map((p) => p.MessageSid))) expect(stored.filter((m) => m.providerSid === s)).toHaveLength(1);
    const convOf = async (where: ReturnType<typeof eq>) => (await first(app.deps.db.select().from(conversations).where(where)))!;
    const famConv = await convOf(eq(conversations.familyId, fam.familyId));
    expect(famConv.unreadCount).toBe(31);
    const latest = stored.filter((m) => m.conversationId === famConv.id).sort((a, b) => b.id - a.id)[0];
    expect(famConv.lastMessageAt).toBe(latest.createdAt);
    expect((await convOf(eq(conversations.unmatchedNumber, stranger))).unreadCount).toBe(3);
    // STOP is answered by FamilyLine itself: kept in the thread, not unread, and the number opted out.
    expect((await convOf(eq(conversations.familyId, stopper.familyId))).unreadCount).toBe(0);
    expect(await app.deps.db.select().from(optOuts).where(eq(optOuts.phoneNumber, stopper.phone))).toHaveLength(1);
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
    expect(await app.deps.db.select().from(messages).where(eq(messages.providerSid, sid(2)))).toHaveLength(0);
  });

  test('a number no roster knows opens an unmatched conversation', async () => {
    await app.postWebhook('/webhooks/twilio/sms', inboundParams(sid(3), 'Who is this?', STRANGER));
    const conv = (await first(app.deps.db.select().from(conversations).where(eq(conversations.unmatchedNumber, STRANGER))))!;
    expect(conv.familyId).toBeNull();
    expect(conv.schoolId).not.toBeNull();
  });

  test('60 generated malformed bodies each get a 400, never a 500, and store nothing', async () => {
    const good = inboundParams(sid(4), 'hello');
    const bodies: { label: string; params?: Record<string, string>; raw?: string }[] = [];
    const without = (...keys: string[]) => Object.fromEntries(Object.entries(good).filter(([k]) => !keys.includes(k)));
    // What FamilyLine cannot store a text without: the sid, both numbers, the body (no media here).
    for (const key of ['MessageSid', 'From', 'To', 'Body']) {
      bodies.push({ label: `${key} missing`, params: without(key) });
      if (key !== 'Body') {
        bodies.push({ label: `${key} empty`, params: { ...good, [key]: '' } });
        bodies.push({ label: `${key} blank`, params: { ...good, [key]: '   ' } });
      }
    }
    for (const pair of [['MessageSid', 'From'], ['MessageSid', 'To'], ['From', 'To'], ['From', 'Body'], ['To', 'Body'], ['MessageSid', 'Body'], ['MessageSid', 'From', 'To']]) {
      bodies.push({ label: `${pair.join(' and ')} missing`, params: without(...pair) });
    }
    // A webhook naming no account, or another one, is refused as not ours (403): webhook-trust.test.ts.
    bodies.push({ label: 'every field but the account missing', params: { AccountSid: good.AccountSid } });
    bodies.push({ label: 'Body too long', params: { ...good, Body: 'x'.repeat(20001) } });
    const odd = ['not-a-number', '+', '12', 'DROP TABLE', '😀', '\u0000', 'x'.repeat(3000)];
    const hex = 'a'.repeat(32);
    for (const bad of [...odd, 'SM' + hex.slice(1), 'SM' + hex + 'a', 'XX' + hex, 'SM' + 'g'.repeat(32), 'sm' + hex, ' SM' + hex, 'SM' + hex + ' ', 'SM', 'MM']) {
      bodies.push({ label: `MessageSid ${JSON.stringify(bad.slice(0, 40))}`, params: { ...good, MessageSid: bad } });
    }
    for (const bad of [...odd.filter((v) => v !== '12'), '', '-1', '1.5', '1000', '1e3', '0x1', ' 1']) {
      bodies.push({ label: `NumMedia ${JSON.stringify(bad.slice(0, 40))}`, params: { ...good, NumMedia: bad } });
    }
    for (const bad of ['', 'MG123', 'DROP TABLE', 'MG' + 'z'.repeat(32), 'MG' + hex.slice(1), 'x'.repeat(3000)]) {
      bodies.push({ label: `MessagingServiceSid ${JSON.stringify(bad.slice(0, 40))}`, params: { ...good, MessagingServiceSid: bad } });
    }
    // Forms that are not one Twilio inbound message at all, signed as Twilio would sign them.
    for (const key of ['MessageSid', 'From', 'To', 'Body']) {
      bodies.push({ label: `${key} twice`, raw: `${new URLSearchParams(good).toString()}&${key}=${encodeURIComponent(good[key])}` });
    }
    bodies.push({ label: 'no fields but the account, only noise', raw: `AccountSid=${good.AccountSid}&%%%%` });
    bodies.push({ label: 'JSON sent as a form', raw: `AccountSid=${good.AccountSid}&{"json":true}` });
    expect(bodies.length).toBeGreaterThanOrEqual(60);

    const answers: { label: string; status: number }[] = [];
    for (const b of bodies) {
      let res: Response;
      if (b.raw !== undefined) {
        const params = Object.fromEntries(new URLSearchParams(b.raw));
        res = await fetch(`${app.url}/webhooks/twilio/sms`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': twilio.getExpectedTwilioSignature(app.config.twilio.authToken, `${PUBLIC_BASE_URL}/webhooks/twilio/sms`, params),
          },
          body: b.raw,
        });
      } else {
        res = await app.postWebhook('/webhooks/twilio/sms', b.params!);
      }
      answers.push({ label: b.label, status: res.status });
    }
    expect(answers.filter((a) => a.status !== 400)).toEqual([]);
    expect(await app.deps.db.select().from(messages).where(eq(messages.providerSid, sid(4)))).toHaveLength(0);
    const status = await app.postWebhook('/webhooks/twilio/status', { MessageSid: 'nope', MessageStatus: 'teleported', AccountSid: app.config.twilio.accountSid });
    expect(status.status).toBe(400);
  });
});

describe('outbound texts', () => {
  test('a staff reply goes queued → sending → sent → delivered and the phone receives it', async () => {
    const [sent] = await reply('Yes, the trip is on. Bring a jacket!');
    expect(sent.status).toBe('queued');
    const row = await waitForStatus(sent.id, 'delivered');
    expect(row.providerSid).toMatch(/^SM/);
    expect(await copiesOnPhone(PARENT, 'Yes, the trip is on. Bring a jacket!')).toHaveLength(1);
    const events = await app.deps.db.select().from(messageEvents).where(eq(messageEvents.messageId, sent.id));
    expect(events.map((e) => e.status)).toEqual(expect.arrayContaining(['sent', 'delivered']));
  });

  test('status callbacks in shuffled order end at the highest status, each one kept', async () => {
    const [sent] = await reply('Conferences are next week.');
    const row = await waitForStatus(sent.id, 'delivered');
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
    expect((await messageById(sent.id)).status).toBe('delivered');
    const events = await app.deps.db.select().from(messageEvents).where(eq(messageEvents.messageId, sent.id));
    expect(events.length).toBeGreaterThanOrEqual(order.length + 2);
    expect(events.filter((e) => e.applied).length).toBeLessThanOrEqual(3);
  });

  test('a throttled send is tried exactly twice: refused once, then taken and delivered', async () => {
    const body = 'Reading log is due Monday.';
    expect((await injectFailure(PARENT, 20429, 1)).status).toBe(200);
    const [sent] = await reply(body);
    await waitForJob(sent.id, 0, 'completed');
    const row = await waitForStatus(sent.id, 'delivered');
    expect(row.attempts).toBe(2);
    expect(await pendingFailures(PARENT)).toEqual([]); // the one refusal happened
    expect(await copiesOnPhone(PARENT, body)).toHaveLength(1); // and one send was taken
  });

  test('a permanent API failure fails once with its code and is not retried', async () => {
    await injectFailure(PARENT, 21211, 2);
    const [sent] = await reply('Picture day is Thursday.');
    const job = await waitForJob(sent.id, 0, 'failed');
    expect(job.failedReason).toMatch(/permanent failure 21211/);
    expect(await messageById(sent.id)).toMatchObject({ status: 'failed', errorCode: 21211, attempts: 1 });
    // The carrier was asked exactly once: one of the two refusals it had ready is left.
    expect(await pendingFailures(PARENT)).toEqual([{ errorCode: 21211, times: 1 }]);
  });

  test('a landline reported by the carrier ends undelivered with 30006, never retried', async () => {
    await injectFailure(LANDLINE, 30006);
    const [sent] = await reply('The book fair opens Monday.', landlineFamilyId);
    // The number is flagged once the callback has been acted on, so the next reply has nobody to go to.
    await waitFor(async () => (await textableNumbers(app.deps.db, landlineFamilyId)).length === 0);
    await expect(reply('Are you there?', landlineFamilyId)).rejects.toThrow(/no number/);
    expect(await messageById(sent.id)).toMatchObject({ status: 'undelivered', errorCode: 30006, attempts: 1, sendRound: 0 });
    expect(await sendJob(sent.id, 1)).toBeUndefined();
    expect(await copiesOnPhone(LANDLINE, 'The book fair opens Monday.')).toHaveLength(1);
  });

  test('a phone that was off (30003) gets the text again 15 minutes later, once it is back', async () => {
    const { phone, familyId: family } = await newFamily('Nakamura');
    const body = 'Field trip forms are due Friday.';
    await injectFailure(phone, 30003, 1);
    const [sent] = await reply(body, family);
    const failedAt = clock.now();
    // The carrier's "undelivered" puts the text back in line, held for its next try, on a job of its own.
    const retry = await waitForJob(sent.id, 1, 'delayed');
    expect(await messageById(sent.id)).toMatchObject({
      status: 'held',
      errorCode: 30003,
      attempts: 1,
      providerSid: null,
      scheduledFor: new Date(failedAt + 15 * 60_000).toISOString(),
    });

    clock.advance(15 * 60_000);
    await retry.promote();
    const row = await waitForStatus(sent.id, 'delivered');
    expect(row.attempts).toBe(2);
    expect((await copiesOnPhone(phone, body)).map((m) => m.status)).toEqual(['undelivered', 'delivered']);
    const sids = new Set((await app.deps.db.select().from(messageEvents).where(eq(messageEvents.messageId, sent.id))).map((e) => e.providerSid));
    expect(sids.size).toBe(2); // two sends, each its own provider message, every callback kept
  });

  test('a phone that stays unreachable gets three tries in all, then the text ends undelivered', async () => {
    const { phone, familyId: family } = await newFamily('Ferreira');
    await injectFailure(phone, 30003, 3);
    const [sent] = await reply('Conferences are next week.', family);
    for (const [round, wait] of [[1, 15], [2, 60]]) {
      const retry = await waitForJob(sent.id, round, 'delayed');
      clock.advance(wait * 60_000);
      await retry.promote();
      await waitForJob(sent.id, round, 'completed');
    }
    const row = await waitForStatus(sent.id, 'undelivered');
    expect(row).toMatchObject({ errorCode: 30003, attempts: 3, sendRound: 2 });
    expect((await copiesOnPhone(phone, 'Conferences are next week.')).map((m) => m.status)).toEqual(['undelivered', 'undelivered', 'undelivered']);
  });

  test('a retry that would fall after 20:00 waits for the morning, like any text', async () => {
    clock.set('2026-11-19T00:50:00Z'); // 19:50 in New York
    const { phone, familyId: family } = await newFamily('Osei');
    await injectFailure(phone, 30003, 1);
    const [sent] = await reply('Tomorrow is a half day.', family);
    const retry = await waitForJob(sent.id, 1, 'delayed');
    clock.set('2026-11-19T01:05:00Z'); // 20:05: quiet hours
    await retry.promote();
    await waitFor(async () => (await messageById(sent.id)).scheduledFor === '2026-11-19T13:00:00.000Z');
    expect(await messageById(sent.id)).toMatchObject({ status: 'held', attempts: 1 });
    await waitForJob(sent.id, 1, 'delayed');
  });

  test('a Spanish text with accents is sent as UCS-2 and counted in 67-unit parts', async () => {
    const body = 'Hola, Rosa: mañana habrá reunión de padres a las 6. ¡Gracias por su ayuda en la clase de matemáticas!';
    const [sent] = await reply(body, familyEsId);
    const row = await messageById(sent.id);
    expect(row.encoding).toBe('UCS-2');
    expect(row.segments).toBe(Math.ceil([...body].length / 67));
  });
});

describe('carrier callbacks that beat the send\'s own answer', () => {
  test('an early 30003 still puts the text back in line, and it reaches the phone on its retry', async () => {
    const { phone, familyId: family } = await newFamily('Tanaka');
    const body = 'Lunch money is due Friday.';
    await injectFailure(phone, 30003, 1);
    await slowCarrierAnswers(2500);
    const [sent] = await reply(body, family);
    const retry = await waitForJob(sent.id, 1, 'delayed');
    expect(await messageById(sent.id)).toMatchObject({ status: 'held', errorCode: 30003, attempts: 1, providerSid: null });
    await slowCarrierAnswers(0);
    clock.advance(15 * 60_000);
    await retry.promote();
    await waitForStatus(sent.id, 'delivered');
    expect((await copiesOnPhone(phone, body)).map((m) => m.status)).toEqual(['undelivered', 'delivered']);
  });

  test('an early 30006 still flags the number as a landline', async () => {
    const { phone, familyId: family } = await newFamily('Abara');
    await injectFailure(phone, 30006, 1);
    await slowCarrierAnswers(2500);
    const [sent] = await reply('The library is open late on Thursday.', family);
    await waitForJob(sent.id, 0, 'completed');
    expect(await messageById(sent.id)).toMatchObject({ status: 'undelivered', errorCode: 30006, attempts: 1 });
    expect(await textableNumbers(app.deps.db, family)).toEqual([]);
    await expect(reply('Are you there?', family)).rejects.toThrow(/no number/);
  });

  test('a carrier retry is queued while the job that sent the text is still running, not a minute later', async () => {
    const { phone, familyId: family } = await newFamily('Haddad');
    await injectFailure(phone, 30008, 1);
    await slowCarrierAnswers(2500);
    const [sent] = await reply('Spirit week starts Monday.', family);
    const retry = await waitForJob(sent.id, 1, 'delayed');
    const first = await waitForJob(sent.id, 0, 'completed');
    expect(retry.timestamp).toBeLessThanOrEqual(first.finishedOn!);
    expect(await messageById(sent.id)).toMatchObject({ status: 'held', errorCode: 30008, sendRound: 1 });
  });
});

describe('a send claims its message before it calls the carrier', () => {
  test('two sends of one message at once hand the carrier one text', async () => {
    const { phone, familyId: family } = await newFamily('Moreau');
    const body = 'The choir concert starts at 7.';
    await app.deps.queues.send.pause();
    const [sent] = await reply(body, family);
    const outcomes = await Promise.all([1, 2].map(() => deliverMessage(app.deps, sent.id, { paced: true, lastAttempt: false })));
    expect(outcomes.map((o) => o.kind)).toEqual(['done', 'done']);
    await app.deps.queues.send.resume();
    await waitForJob(sent.id, 0, 'completed'); // the message's own job, a third send, found it taken
    await waitForStatus(sent.id, 'delivered');
    expect((await messageById(sent.id)).attempts).toBe(1);
    expect(await copiesOnPhone(phone, body)).toHaveLength(1);
  });

  test('a send whose process died after claiming is not sent again, and ends failed for staff to see', async () => {
    const { phone, familyId: family } = await newFamily('Lindqvist');
    const body = 'Report cards go home Tuesday.';
    await app.deps.queues.send.pause();
    const [sent] = await reply(body, family);
    // A worker claims the message and dies before the carrier's answer is stored.
    const claimedAt = new Date(clock.now()).toISOString();
    expect(await claimForSend(app.deps.db, sent.id, new Date(clock.now() + SEND_CLAIM_LEASE_MS).toISOString(), claimedAt)).not.toBeNull();
    // Its job runs again elsewhere and leaves the claimed message alone.
    await app.deps.queues.send.resume();
    await waitForJob(sent.id, 0, 'completed');
    expect(await messageById(sent.id)).toMatchObject({ status: 'sending', providerSid: null, attempts: 1 });
    await recoverOutbound(app.deps);
    expect((await messageById(sent.id)).status).toBe('sending'); // the claim is still young

    clock.advance(SEND_CLAIM_LEASE_MS + 1000);
    await recoverOutbound(app.deps);
    const res = await fetch(`${app.url}/api/v1/messages/${sent.id}`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: sent.id, status: 'failed', failureReason: 'outcome_unknown', errorCode: null, providerSid: null });
    await recoverOutbound(app.deps);
    expect(await messageById(sent.id)).toMatchObject({ status: 'failed', sendRound: 0, attempts: 1 });
    expect(await sendJob(sent.id, 1)).toBeUndefined();
    expect(await copiesOnPhone(phone, body)).toEqual([]);
  });
});
