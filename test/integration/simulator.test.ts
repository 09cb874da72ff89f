import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import twilio from 'twilio';
import { createSimulator, type Simulator } from '../../src/channels/sim/simulator';
import { createTwilioChannel } from '../../src/channels/twilio/twilio-channel';
import { SendError, type SmsChannel } from '../../src/channels/channel';
import { systemClock } from '../../src/lib/clock';
import { createLogger } from '../../src/logger';
import { waitFor } from '../helpers/app';

/**
 * The simulator in a plain Express app, driven through the REAL twilio SDK (createTwilioChannel
 * with simulatorUrl). A small receiver stands in for FamilyLine's webhooks, reached through
 * setWebhookBase as if the service sat behind a proxy at PUBLIC.
 */

const ACCOUNT_SID = 'AC' + 'a1'.repeat(16);
const AUTH_TOKEN = 'sim-test-auth-token';
const PUBLIC = 'https://familyline.test';
const STATUS_URL = `${PUBLIC}/webhooks/twilio/status?tenant=a`;
const SCHOOL = '+15555550100';
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

interface Hit {
  path: string;
  url: string;
  params: Record<string, string>;
  signature: string;
  answered: number;
}

let sim: Simulator;
let simServer: Server;
let receiver: Server;
let simUrl: string;
let channel: SmsChannel;
const hits: Hit[] = [];
/** Per-test receiver behaviour: the answer for a hit (status and body). */
let answer: (h: Omit<Hit, 'answered'>) => { status: number; body?: string } = () => ({ status: 200 });

const listen = (app: express.Express) =>
  new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
let phoneSeq = 0;
const newPhone = () => `+1555777${String(1000 + phoneSeq++).padStart(4, '0')}`;

beforeAll(async () => {
  const rx = express();
  rx.use(express.urlencoded({ extended: false }));
  rx.post(/.*/, (req, res) => {
    const h = { path: req.path, url: req.originalUrl, params: req.body, signature: req.get('x-twilio-signature') ?? '' };
    const a = answer(h);
    hits.push({ ...h, answered: a.status });
    res.status(a.status).type('text/xml').send(a.body ?? '<Response/>');
  });
  receiver = await listen(rx);

  sim = createSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicBaseUrl: PUBLIC, clock: systemClock, logger });
  sim.setWebhookBase(urlOf(receiver));
  sim.setPacing(null); // tests that need pacing set it for their own sender
  sim.setDeliveryDelay(10);
  const app = express();
  app.use('/sim', sim.router);
  simServer = await listen(app);
  simUrl = urlOf(simServer);
  channel = createTwilioChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, simulatorUrl: () => `${simUrl}/sim`, logger });
});

afterEach(() => {
  answer = () => ({ status: 200 });
});

afterAll(async () => {
  await sim.close();
  for (const s of [simServer, receiver]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const send = (to: string, body = 'Maria read 20 minutes every night this week.', from = SCHOOL) =>
  channel.send({ to, from, body, statusCallback: STATUS_URL });

const callbacksFor = (sid: string) => hits.filter((h) => h.path === '/webhooks/twilio/status' && h.params.MessageSid === sid && h.answered === 200);

const signedForPublicUrl = (h: Hit) => twilio.validateRequest(AUTH_TOKEN, h.signature, PUBLIC + h.url, h.params);

async function sendError(p: Promise<unknown>): Promise<SendError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SendError);
  return err as SendError;
}

const simApi = (path: string, init?: RequestInit) =>
  fetch(`${simUrl}/sim/api${path}`, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });

describe('Messages API through the twilio SDK', () => {
  test('a send answers 201 with a sid, then signed sent and delivered callbacks follow', async () => {
    const to = newPhone();
    const r = await send(to);
    expect(r.providerSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(r.status).toBe('queued');
    expect(r.segments).toBe(1);

    const cbs = await waitFor(() => {
      const c = callbacksFor(r.providerSid);
      return c.some((h) => h.params.MessageStatus === 'delivered') && c;
    });
    expect(cbs.map((h) => h.params.MessageStatus)).toEqual(['sent', 'delivered']);
    for (const h of cbs) {
      expect(h.url).toBe('/webhooks/twilio/status?tenant=a'); // path and query kept
      expect(signedForPublicUrl(h)).toBe(true);
      expect(h.params).toMatchObject({ SmsSid: r.providerSid, AccountSid: ACCOUNT_SID, From: SCHOOL, To: to, ApiVersion: '2010-04-01' });
      expect(h.params.ErrorCode).toBeUndefined();
      expect(channel.parseStatus(h.params)).toMatchObject({ providerSid: r.providerSid, errorCode: null, errorAction: null });
    }
    const { items } = await (await simApi(`/messages?to=${encodeURIComponent(to)}`)).json();
    expect(items).toEqual([
      { sid: r.providerSid, from: SCHOOL, to, body: expect.any(String), status: 'delivered', errorCode: null, createdAt: expect.any(String) },
    ]);
  });

  test("the create answer is Twilio's snake_case JSON", async () => {
    const auth = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
    const res = await fetch(`${simUrl}/sim/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: newPhone(), From: SCHOOL, Body: 'Olá! Reunião às 18h — traga o formulário.' }).toString(),
    });
    expect(res.status).toBe(201);
    const m = await res.json();
    expect(m).toMatchObject({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      account_sid: ACCOUNT_SID,
      from: SCHOOL,
      status: 'queued',
      num_segments: '1',
      num_media: '0',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      error_code: null,
      error_message: null,
      price: null,
      messaging_service_sid: null,
    });
    expect(m.date_created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(m.uri).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${m.sid}.json`);
    expect(m.subresource_uris.media).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${m.sid}/Media.json`);
  });

  test('wrong basic auth answers 401 with code 20003', async () => {
    const res = await fetch(`${simUrl}/sim/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:wrong`).toString('base64') },
      body: new URLSearchParams({ To: newPhone(), From: SCHOOL, Body: 'hi' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });

    const wrong = createTwilioChannel({ accountSid: ACCOUNT_SID, authToken: 'not-the-token', simulatorUrl: () => `${simUrl}/sim`, logger });
    const err = await sendError(wrong.send({ to: newPhone(), from: SCHOOL, body: 'hi', statusCallback: STATUS_URL }));
    expect(err).toMatchObject({ code: 20003, retryable: false, httpStatus: 401, action: 'configuration' });
  });

  test('missing To, missing Body and a bad To answer 21604, 21602 and 21211', async () => {
    const auth = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
    const post = async (form: Record<string, string>) => {
      const res = await fetch(`${simUrl}/sim/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
        method: 'POST',
        headers: { authorization: auth },
        body: new URLSearchParams(form),
      });
      return { status: res.status, body: await res.json() };
    };
    expect(await post({ From: SCHOOL, Body: 'hi' })).toMatchObject({ status: 400, body: { code: 21604, status: 400 } });
    expect(await post({ To: newPhone(), From: SCHOOL })).toMatchObject({ status: 400, body: { code: 21602 } });
    expect(await post({ To: '555-CALL-NOW', From: SCHOOL, Body: 'hi' })).toMatchObject({ status: 400, body: { code: 21211 } });

    const err = await sendError(send('12345'));
    expect(err).toMatchObject({ code: 21211, retryable: false, httpStatus: 400, action: 'invalid_number' });
  });

  test('a messaging service send goes out from its pool number and says so in callbacks', async () => {
    const mss = 'MG' + 'b2'.repeat(16);
    const r = await channel.send({ to: newPhone(), messagingServiceSid: mss, body: 'hello', statusCallback: STATUS_URL });
    const cb = await waitFor(() => callbacksFor(r.providerSid).find((h) => h.params.MessageStatus === 'delivered'));
    expect(cb.params.MessagingServiceSid).toBe(mss);
    expect(cb.params.From).toMatch(/^\+1555\d{7}$/);
  });
});

describe('pacing', () => {
  test('three single-segment sends at 1 MPS from one number leave one second apart, in order', async () => {
    const from = '+15555550111';
    sim.setPacing(1, from);
    const to = newPhone();
    const sent = await Promise.all([1, 2, 3].map(async (n) => (await send(to, `reminder ${n}`, from)).providerSid));
    const other = await send(newPhone(), 'another sender is not held up', '+15555550112');

    const msgs = await waitFor(() => {
      const m = sent.map((sid) => sim.message(sid)!);
      return m.every((x) => x.status === 'delivered') && m;
    });
    const order = [...msgs].sort((a, b) => a.releaseSeq! - b.releaseSeq!).map((m) => m.body);
    expect(order).toEqual(['reminder 1', 'reminder 2', 'reminder 3']);
    // The simulator's own pacing record: each release at least 1 s (one segment at 1 MPS) after the last.
    expect(msgs[1].releasedAt! - msgs[0].releasedAt!).toBeGreaterThanOrEqual(1000);
    expect(msgs[2].releasedAt! - msgs[1].releasedAt!).toBeGreaterThanOrEqual(1000);
    expect(sim.message(other.providerSid)!.releasedAt!).toBeLessThan(msgs[2].releasedAt!);
    // The simulator marks a text delivered just before its callback reaches the receiver.
    const deliveredOrder = await waitFor(() => {
      const order = hits
        .filter((h) => sent.includes(h.params.MessageSid) && h.params.MessageStatus === 'delivered')
        .map((h) => sent.indexOf(h.params.MessageSid));
      return order.length === 3 && order;
    });
    expect(deliveredOrder).toEqual([0, 1, 2]);
  });

  test('pacing is settable over HTTP and off with null', async () => {
    let res = await simApi('/settings', { method: 'POST', body: JSON.stringify({ mps: 5, from: '+15555550113' }) });
    expect(res.status).toBe(200);
    expect((await res.json()).senders['+15555550113']).toBe(5);
    res = await simApi('/settings', { method: 'POST', body: JSON.stringify({ mps: -1 }) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'validation_failed', fields: { mps: expect.any(String) } });
    res = await simApi('/settings', { method: 'POST', body: JSON.stringify({ mps: null }) });
    expect((await res.json()).mps).toBeNull();
  });
});

describe('failure injection', () => {
  test('30006 → accepted, then sent and undelivered with ErrorCode 30006', async () => {
    const to = newPhone();
    const res = await simApi('/failures', { method: 'POST', body: JSON.stringify({ to, errorCode: 30006 }) });
    expect(res.status).toBe(200);
    const r = await send(to);
    const cbs = await waitFor(() => {
      const c = callbacksFor(r.providerSid);
      return c.length === 2 && c;
    });
    expect(cbs.map((h) => [h.params.MessageStatus, h.params.ErrorCode])).toEqual([
      ['sent', undefined],
      ['undelivered', '30006'],
    ]);
    expect(cbs.every(signedForPublicUrl)).toBe(true);
    expect(channel.parseStatus(cbs[1].params)).toMatchObject({ status: 'undelivered', errorCode: 30006, errorAction: 'landline' });
    const { items } = await (await simApi(`/messages?to=${encodeURIComponent(to)}`)).json();
    expect(items[0]).toMatchObject({ status: 'undelivered', errorCode: 30006 });
  });

  test('30034 → failed', async () => {
    const to = newPhone();
    sim.injectFailure(to, 30034, 1);
    const r = await send(to);
    const cb = await waitFor(() => callbacksFor(r.providerSid).find((h) => h.params.ErrorCode));
    expect(cb.params).toMatchObject({ MessageStatus: 'failed', ErrorCode: '30034' });
  });

  test('21211 → a permanent SendError with code 21211', async () => {
    const to = newPhone();
    await simApi('/failures', { method: 'POST', body: JSON.stringify({ to, errorCode: 21211 }) });
    const err = await sendError(send(to));
    expect(err).toMatchObject({ code: 21211, retryable: false, httpStatus: 400 });
    expect((await sendError(send(to))).code).toBe(21211); // no times = every send
    const cleared = await simApi('/failures', { method: 'POST', body: JSON.stringify({ to, errorCode: 21211, times: 0 }) });
    expect(cleared.status).toBe(200);
    await expect(send(to)).resolves.toMatchObject({ status: 'queued' });
  });

  test('20429 once → the first send is a retryable SendError, the second succeeds', async () => {
    const to = newPhone();
    await simApi('/failures', { method: 'POST', body: JSON.stringify({ to, errorCode: 20429, times: 1 }) });
    const err = await sendError(send(to));
    expect(err).toMatchObject({ code: 20429, retryable: true, httpStatus: 429 });
    await expect(send(to)).resolves.toMatchObject({ providerSid: expect.stringMatching(/^SM/) });
  });

  test('a lost callback: the text is delivered, only "sent" reaches the service, and a lookup through the SDK tells the rest', async () => {
    const to = newPhone();
    const res = await simApi('/lost-callbacks', { method: 'POST', body: JSON.stringify({ to, times: 1 }) });
    expect(await res.json()).toEqual({ to, times: 1 });
    const lost = await send(to);
    await waitFor(() => sim.message(lost.providerSid)?.status === 'delivered');
    const kept = await send(to); // times: 1, so the next text's callbacks all come
    await waitFor(() => callbacksFor(kept.providerSid).some((h) => h.params.MessageStatus === 'delivered'));
    expect(callbacksFor(lost.providerSid).map((h) => h.params.MessageStatus)).toEqual(['sent']);

    const lookup = await channel.fetchStatus(lost.providerSid);
    expect(lookup.update).toMatchObject({ providerSid: lost.providerSid, status: 'delivered', errorCode: null, to, from: SCHOOL });
    expect(lookup.raw).toMatchObject({ MessageSid: lost.providerSid, MessageStatus: 'delivered' });
  });

  test('a lookup reports a carrier failure as its callback would; an unknown sid is a permanent 20404', async () => {
    const to = newPhone();
    sim.injectFailure(to, 30006, 1);
    const r = await send(to);
    await waitFor(() => callbacksFor(r.providerSid).find((h) => h.params.ErrorCode));
    const lookup = await channel.fetchStatus(r.providerSid);
    expect(lookup.update).toMatchObject({ status: 'undelivered', errorCode: 30006, errorAction: 'landline' });
    expect(lookup.raw).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: '30006' });

    const err = await sendError(channel.fetchStatus('SM' + '0'.repeat(32)));
    expect(err).toMatchObject({ code: 20404, retryable: false, httpStatus: 404 });
  });

  test('bad failure-injection input → 400 naming the fields', async () => {
    const res = await simApi('/failures', { method: 'POST', body: JSON.stringify({ to: '5551234', errorCode: 'x' }) });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe('validation_failed');
    expect(Object.keys(error.fields).sort()).toEqual(['errorCode', 'to']);
    expect((await simApi('/failures', { method: 'POST', body: '{not json' })).status).toBe(400);
  });
});

describe('texts from phones', () => {
  test('inbound posts a signed Twilio form to the service and answers the sid', async () => {
    const from = newPhone();
    const res = await simApi('/inbound', { method: 'POST', body: JSON.stringify({ from, to: SCHOOL, body: 'Is there school Friday?' }) });
    expect(res.status).toBe(200);
    const { sid } = await res.json();
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    const h = hits.find((x) => x.params.MessageSid === sid)!;
    expect(h.url).toBe('/webhooks/twilio/sms');
    expect(signedForPublicUrl(h)).toBe(true);
    expect(h.params).toMatchObject({
      SmsSid: sid,
      SmsMessageSid: sid,
      AccountSid: ACCOUNT_SID,
      From: from,
      To: SCHOOL,
      Body: 'Is there school Friday?',
      NumMedia: '0',
      NumSegments: '1',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
      FromCountry: 'US',
      ToCountry: 'US',
    });
    expect(h.params.OptOutType).toBeUndefined();
    expect(channel.parseInbound(h.params)).toMatchObject({ providerSid: sid, from, to: SCHOOL, optOutType: null });
    const thread = await (await simApi(`/messages?phone=${encodeURIComponent(from)}`)).json();
    expect(thread.items).toEqual([expect.objectContaining({ sid, direction: 'inbound', status: 'received' })]);
  });

  test('a failing service webhook → 502, and the text stays in the thread marked failed', async () => {
    const from = newPhone();
    answer = (h) => ({ status: h.params.From === from ? 500 : 200 });
    const res = await simApi('/inbound', { method: 'POST', body: JSON.stringify({ from, to: SCHOOL, body: 'hello?' }) });
    expect(res.status).toBe(502);
    const { sid, error } = await res.json();
    expect(error.status).toBe(500);
    expect(sim.message(sid)).toMatchObject({ status: 'failed', errorCode: 11200 });
  });

  test('a TwiML <Message> answer reaches the phone', async () => {
    const from = newPhone();
    answer = (h) => ({ status: 200, body: h.params.From === from ? '<Response><Message>Thanks &amp; welcome</Message></Response>' : '<Response/>' });
    await simApi('/inbound', { method: 'POST', body: JSON.stringify({ from, to: SCHOOL, body: 'hi' }) });
    expect(sim.messagesTo(from).map((m) => m.body)).toEqual(['Thanks & welcome']);
  });

  test('inbound needs E.164 numbers', async () => {
    const res = await simApi('/inbound', { method: 'POST', body: JSON.stringify({ from: '555 1234', to: SCHOOL, body: 'x' }) });
    expect(res.status).toBe(400);
    expect((await res.json()).error.fields.from).toBeDefined();
  });

  test("STOP gets Twilio's confirmation and 21610 afterwards; START sends again", async () => {
    const phone = newPhone();
    let res = await simApi('/inbound', { method: 'POST', body: JSON.stringify({ from: phone, to: SCHOOL, body: '  Stop ' }) });
    const stopSid = (await res.json()).sid;
    const stopHit = hits.find((h) => h.params.MessageSid === stopSid)!;
    expect(stopHit.params.OptOutType).toBe('STOP');
    expect(channel.parseInbound(stopHit.params).optOutType).toBe('STOP');

    let sentToPhone = (await (await simApi(`/messages?to=${encodeURIComponent(phone)}`)).json()).items;
    expect(sentToPhone.map((m: { body: string; from: string }) => [m.from, m.body])).toEqual([
      [SCHOOL, 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.'],
    ]);

    const err = await sendError(send(phone));
    expect(err).toMatchObject({ code: 21610, retryable: false, action: 'opt_out' });
    await expect(send(phone, 'from another school number', '+15555550199')).resolves.toMatchObject({ status: 'queued' });

    res = await simApi('/inbound', { method: 'POST', body: JSON.stringify({ from: phone, to: SCHOOL, body: 'start' }) });
    expect(res.status).toBe(200);
    sentToPhone = (await (await simApi(`/messages?to=${encodeURIComponent(phone)}`)).json()).items;
    expect(sentToPhone.at(-1).body).toMatch(/^You have successfully been re-subscribed/);
    await expect(send(phone)).resolves.toMatchObject({ status: 'queued' });

    await simApi('/inbound', { method: 'POST', body: JSON.stringify({ from: phone, to: SCHOOL, body: 'HELP' }) });
    expect(sim.messagesTo(phone).some((m) => m.body === 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.')).toBe(true);
    expect(hits.filter((h) => h.params.From === phone).map((h) => h.params.OptOutType)).toEqual(['STOP', 'START', 'HELP']);
  });

  test('phones lists numbers seen and the most used service number first', async () => {
    const { items, serviceNumbers } = await (await simApi('/phones')).json();
    expect(items.length).toBeGreaterThan(0);
    expect(serviceNumbers[0]).toBe(SCHOOL);
  });
});

describe('status callbacks', () => {
  test('a callback the service answers with 500 is retried', async () => {
    const to = newPhone();
    let failed = false;
    answer = (h) => {
      if (h.params.To === to && h.params.MessageStatus === 'sent' && !failed) {
        failed = true;
        return { status: 500 };
      }
      return { status: 200 };
    };
    const r = await send(to);
    const cbs = await waitFor(() => {
      const c = callbacksFor(r.providerSid);
      return c.length === 2 && c;
    });
    expect(cbs.map((h) => h.params.MessageStatus)).toEqual(['sent', 'delivered']);
    expect(hits.filter((h) => h.params.MessageSid === r.providerSid && h.answered === 500)).toHaveLength(1);
  });
});

test('the phone page is one self-contained HTML page', async () => {
  const res = await fetch(`${simUrl}/sim`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  const html = await res.text();
  expect(html).toContain('<title>FamilyLine simulator phone</title>');
  expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']https?:/);
});
