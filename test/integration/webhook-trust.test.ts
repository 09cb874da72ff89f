import crypto from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool } from '../helpers/seed';
import { conversations, messageEvents, messages, optOuts, phones } from '../../db/schema';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { first } from '../../db/query';
import { addStaffWithToken } from '../../src/staff/accounts';
import { sendStaffReply } from '../../src/messaging/outbound';
import { createLogger } from '../../src/logger';
import { SIM_DEFAULTS } from '../../src/config';

/**
 * Each hole a signed webhook could open, one test apiece: what a valid signature alone must not
 * be enough for.
 */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z'); // a Wednesday, 10:00 in New York
const logLines: string[] = [];
const logger = createLogger('debug', { write: (line: string) => void logLines.push(line) });

const FROM = { decoy: '+15555550700', A: '+15555550701', B: '+15555550702' };
/** The deployment's shared sender, which every school without its own number uses. */
const SHARED = SIM_DEFAULTS.from;
/** A number FamilyLine answers but that no school sends from (a retired school line, say). */
const NOWHERE = '+15555550799';
const PARENT_A = '+15555550711';
const PARENT_AB = '+15555550712';
const PARENT_C = '+15555550713';
const STRANGER = '+15555550719';
/** Someone a webhook for another account claims texted STOP. */
const PARENT_FOREIGN = '+15555550718';
const STRANGER_STOP = '+15555550717';
const OTHER_ACCOUNT = 'AC' + 'f'.repeat(32);

const ids = { schoolA: 0, schoolB: 0, schoolC: 0, famA: 0, famAB_A: 0, famAB_B: 0, famC: 0 };
const tokens = { district: '', adminC: '' };

const newSid = () => 'SM' + crypto.randomBytes(16).toString('hex');
const db = () => app.deps.db;

function inbound(sid: string, from: string, to: string, body: string, accountSid: string | null = app.config.twilio.accountSid) {
  return {
    MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, ...(accountSid === null ? {} : { AccountSid: accountSid }),
    From: from, To: to, Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
  };
}

function statusCallback(sid: string, status: string, opts: { errorCode?: number; accountSid?: string; to?: string; from?: string } = {}) {
  return {
    MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, AccountSid: opts.accountSid ?? app.config.twilio.accountSid,
    To: opts.to ?? PARENT_A, From: opts.from ?? FROM.A, ApiVersion: '2010-04-01',
    ...(opts.errorCode ? { ErrorCode: String(opts.errorCode) } : {}),
  };
}

const inboundRow = (sid: string) =>
  first(db().select().from(messages).where(and(eq(messages.providerSid, sid), eq(messages.direction, 'inbound'))));
const conversationOf = async (sid: string) => {
  const row = await inboundRow(sid);
  return row ? first(db().select().from(conversations).where(eq(conversations.id, row.conversationId))) : undefined;
};
const messageById = async (id: number) => (await first(db().select().from(messages).where(eq(messages.id, id))))!;

async function api(token: string, path: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${app.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() };
}

/** A staff reply to a family, once the carrier has taken it (it has a provider sid). */
async function textFamily(schoolId: number, familyId: number, body: string) {
  const conv = await getOrCreateConversation(db(), { schoolId, familyId, unmatchedNumber: null }, new Date(clock.now()).toISOString());
  const { messages: [sent] } = await sendStaffReply(app.deps, { conversationId: conv.id, staffId: 1, body });
  return waitFor(async () => {
    const row = await messageById(sent.id);
    return row.providerSid ? row : null;
  });
}

/** Posts a signed inbound text and waits until it is stored, answering its conversation. */
async function textIn(from: string, to: string, body: string) {
  const sid = newSid();
  expect((await app.postWebhook('/webhooks/twilio/sms', inbound(sid, from, to, body))).status).toBe(200);
  return waitFor(() => conversationOf(sid));
}

beforeAll(async () => {
  app = await startTestApp('webhook-trust', { clock, logger });
  // The lowest id is a school none of these texts is for: nothing may fall back to it.
  await seedSchool(db(), { name: 'Aspen Academy', from: FROM.decoy });
  ids.schoolA = (await seedSchool(db(), { name: 'Adams Elementary', from: FROM.A })).id;
  ids.schoolB = (await seedSchool(db(), { name: 'Birch Middle', from: FROM.B })).id;
  ids.schoolC = (await seedSchool(db(), { name: 'Cedar Primary' })).id;
  await seedSchool(db(), { name: 'Dogwood Primary' });
  ids.famA = (await seedFamily(db(), ids.schoolA, { name: 'Garcia', guardians: [{ first: 'Ana', phone: PARENT_A }] })).family.id;
  ids.famAB_A = (await seedFamily(db(), ids.schoolA, { name: 'Kim', guardians: [{ first: 'Min', phone: PARENT_AB }] })).family.id;
  ids.famAB_B = (await seedFamily(db(), ids.schoolB, { name: 'Kim', guardians: [{ first: 'Min', phone: PARENT_AB }] })).family.id;
  ids.famC = (await seedFamily(db(), ids.schoolC, { name: 'Osei', guardians: [{ first: 'Ama', phone: PARENT_C }] })).family.id;
  const now = new Date(clock.now()).toISOString();
  tokens.district = (await addStaffWithToken(db(), { email: 'district@trust.test', role: 'district_admin' }, now)).token;
  tokens.adminC = (await addStaffWithToken(db(), { email: 'admin-c@trust.test', role: 'school_admin', schoolId: ids.schoolC }, now)).token;
});

afterAll(async () => {
  await app.stop();
});

describe('webhooks for another Twilio account', () => {
  test('an inbound text whose AccountSid is not ours is refused with 403, logged, and never stored', async () => {
    const foreign = newSid();
    const missing = newSid();
    expect((await app.postWebhook('/webhooks/twilio/sms', inbound(foreign, PARENT_FOREIGN, FROM.A, 'STOP', OTHER_ACCOUNT))).status).toBe(403);
    expect((await app.postWebhook('/webhooks/twilio/sms', inbound(missing, PARENT_FOREIGN, FROM.A, 'STOP', null))).status).toBe(403);
    expect(await db().select().from(messages).where(inArray(messages.providerSid, [foreign, missing]))).toEqual([]);
    expect(await db().select().from(optOuts).where(eq(optOuts.phoneNumber, PARENT_FOREIGN))).toEqual([]);
    expect(await db().select().from(conversations).where(eq(conversations.unmatchedNumber, PARENT_FOREIGN))).toEqual([]);
    expect(logLines.some((l) => l.includes('another account') && l.includes(OTHER_ACCOUNT))).toBe(true);
  });

  test('a status callback whose AccountSid is not ours is refused with 403 and not even kept', async () => {
    const sent = await textFamily(ids.schoolA, ids.famA, 'Picture day is Friday.');
    const res = await app.postWebhook('/webhooks/twilio/status', statusCallback(sent.providerSid!, 'failed', { errorCode: 30006, accountSid: OTHER_ACCOUNT }));
    expect(res.status).toBe(403);
    // The carrier's own callbacks for this text keep arriving; none of the kept ones is the foreign one.
    const delivered = await waitFor(async () => {
      const row = await messageById(sent.id);
      return row.status === 'delivered' ? row : null;
    });
    expect(delivered.errorCode).toBeNull();
    const kept = await db().select().from(messageEvents).where(eq(messageEvents.providerSid, sent.providerSid!));
    expect(kept.filter((e) => e.raw.includes(OTHER_ACCOUNT))).toEqual([]);
    expect((await first(db().select().from(phones).where(eq(phones.number, PARENT_A))))!.canReceive).toBe(true);
  });
});

describe('status callbacks change only what FamilyLine sent', () => {
  test('a callback naming an inbound text, or a sid never sent, is kept for audit and changes nothing', async () => {
    const { id: conversationId } = await textIn(PARENT_A, FROM.A, 'See you at pickup');
    const received = (await db().select().from(messages).where(eq(messages.conversationId, conversationId))).find((m) => m.direction === 'inbound')!;
    const neverSent = newSid();
    const callbacks = [
      statusCallback(received.providerSid!, 'undelivered', { errorCode: 30006, to: FROM.A, from: PARENT_A }),
      statusCallback(received.providerSid!, 'failed', { errorCode: 21610, to: FROM.A, from: PARENT_A }),
      statusCallback(neverSent, 'failed', { errorCode: 21610, to: PARENT_A, from: FROM.A }),
    ];
    for (const params of callbacks) expect((await app.postWebhook('/webhooks/twilio/status', params)).status).toBe(200);

    expect(await messageById(received.id)).toMatchObject({ direction: 'inbound', status: 'received', errorCode: null });
    const kept = await db().select().from(messageEvents).where(inArray(messageEvents.providerSid, [received.providerSid!, neverSent])).orderBy(messageEvents.id);
    expect(kept.map((e) => [e.status, e.errorCode, e.applied, e.messageId])).toEqual([
      ['undelivered', 30006, false, null],
      ['failed', 21610, false, null],
      ['failed', 21610, false, null],
    ]);
    expect(await db().select().from(optOuts).where(inArray(optOuts.phoneNumber, [PARENT_A, FROM.A]))).toEqual([]);
    expect(await db().select().from(phones).where(eq(phones.canReceive, false))).toEqual([]);
  });
});

describe('an inbound text whose sid an outbound text already has', () => {
  test('is still stored as inbound, and its STOP opts the number out', async () => {
    const sent = await textFamily(ids.schoolA, ids.famA, 'Reading log is due Monday.');
    const res = await app.postWebhook('/webhooks/twilio/sms', inbound(sent.providerSid!, PARENT_A, FROM.A, 'STOP'));
    expect(res.status).toBe(200);
    const stored = await waitFor(() => inboundRow(sent.providerSid!));
    expect(stored).toMatchObject({ body: 'STOP', fromNumber: PARENT_A, toNumber: FROM.A, status: 'received' });
    expect(await db().select().from(optOuts).where(eq(optOuts.phoneNumber, PARENT_A))).toEqual([
      expect.objectContaining({ sendingNumber: FROM.A, keyword: 'STOP', source: 'keyword' }),
    ]);
    expect((await messageById(sent.id)).direction).toBe('outbound');
    // A retry of the same webhook stores nothing new.
    expect((await app.postWebhook('/webhooks/twilio/sms', inbound(sent.providerSid!, PARENT_A, FROM.A, 'STOP'))).status).toBe(200);
    expect(await db().select().from(messages).where(eq(messages.providerSid, sent.providerSid!))).toHaveLength(2);
  });
});

describe('From and To', () => {
  test('must be a phone number or a short code: anything else is 400, stores nothing, and is never logged whole', async () => {
    const long = '+1' + '5'.repeat(5004); // 5,005 digits
    const injection = "'; DROP TABLE messages;--";
    const messagesBefore = (await db().select().from(messages)).length;
    const conversationsBefore = (await db().select().from(conversations)).length;
    for (const [field, value] of [['From', long], ['From', injection], ['To', long], ['To', injection]]) {
      const params = { ...inbound(newSid(), PARENT_A, FROM.A, 'hello'), [field]: value };
      const res = await app.postWebhook('/webhooks/twilio/sms', params);
      expect([field, value.slice(0, 8), res.status]).toEqual([field, value.slice(0, 8), 400]);
      expect(await res.text()).not.toContain(value);
      const status = await app.postWebhook('/webhooks/twilio/status', { ...statusCallback(newSid(), 'sent'), [field]: value });
      expect([field, value.slice(0, 8), status.status]).toEqual([field, value.slice(0, 8), 400]);
    }
    expect(await db().select().from(messages)).toHaveLength(messagesBefore);
    expect(await db().select().from(conversations)).toHaveLength(conversationsBefore);
    expect(logLines.filter((l) => l.includes('malformed webhook')).length).toBeGreaterThanOrEqual(8);
    expect(logLines.filter((l) => l.includes('5'.repeat(40)) || l.includes('DROP TABLE'))).toEqual([]);

    // A short code is a sender too: a carrier's own number texting the school is stored.
    const conv = await textIn('72345', FROM.A, 'Your carrier message');
    expect(conv).toMatchObject({ schoolId: ids.schoolA, familyId: null, unmatchedNumber: '72345' });
  });
});

describe('routing a text no single school owns', () => {
  test("a text to a number no school sends from goes to the school of the sender's family", async () => {
    const conv = await textIn(PARENT_A, NOWHERE, 'Is this still the school?');
    expect(conv).toMatchObject({ schoolId: ids.schoolA, familyId: ids.famA });
  });

  test('a parent with families in two schools reaches the school that texted them last', async () => {
    await textFamily(ids.schoolA, ids.famAB_A, 'Adams: conferences next week.');
    await textFamily(ids.schoolB, ids.famAB_B, 'Birch: the bus is late today.');
    expect(await textIn(PARENT_AB, NOWHERE, 'How late?')).toMatchObject({ schoolId: ids.schoolB, familyId: ids.famAB_B });
    await textFamily(ids.schoolA, ids.famAB_A, 'Adams: sign-up sheet is out.');
    expect(await textIn(PARENT_AB, NOWHERE, 'Which day?')).toMatchObject({ schoolId: ids.schoolA, familyId: ids.famAB_A });
  });

  test('a number several schools share: the family there, else the district unmatched inbox, never the lowest id', async () => {
    expect(await textIn(PARENT_C, SHARED, 'Thanks Cedar!')).toMatchObject({ schoolId: ids.schoolC, familyId: ids.famC });
    const shared = await textIn(STRANGER, SHARED, 'Who is this?');
    expect(shared).toMatchObject({ schoolId: null, familyId: null, unmatchedNumber: STRANGER });
    const nowhere = await textIn(STRANGER, NOWHERE, 'Hello?');
    expect(nowhere.id).toBe(shared.id);

    const district = await api(tokens.district, '/conversations?unmatched=true');
    expect(district.json.items.map((c: any) => c.id)).toContain(shared.id);
    expect((await api(tokens.district, `/conversations/${shared.id}/messages`)).json.items.map((m: any) => m.body)).toEqual(['Who is this?', 'Hello?']);
    const adminC = await api(tokens.adminC, '/conversations?unmatched=true');
    expect(adminC.json.items.map((c: any) => c.id)).not.toContain(shared.id);
    expect((await api(tokens.adminC, `/conversations/${shared.id}`)).status).toBe(404);
  });

  test("a STOP in the district inbox stops the district's replies to that number", async () => {
    const conv = await textIn(STRANGER_STOP, NOWHERE, 'STOP');
    expect(conv).toMatchObject({ schoolId: null, unmatchedNumber: STRANGER_STOP });
    const res = await fetch(`${app.url}/api/v1/conversations/${conv.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.district}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'Who are you looking for?' }),
    });
    expect(res.status).toBe(202);
    expect((await res.json()).recipients).toEqual([expect.objectContaining({ to: STRANGER_STOP, status: 'blocked' })]);
  });
});
