import twilio from 'twilio';
import RestException from 'twilio/lib/base/RestException';
import TwilioServiceException from 'twilio/lib/base/TwilioServiceException';
import { AppError } from '../../src/errors';
import { SendError } from '../../src/channels/channel';
import { classifyError, ERROR_TABLE } from '../../src/channels/twilio/errors';
import { STATUS_TABLE, statusFor } from '../../src/channels/twilio/statuses';
import { createTwilioChannel, toSendError } from '../../src/channels/twilio/twilio-channel';
import { createLogger } from '../../src/logger';

const ACCOUNT_SID = 'AC' + '0'.repeat(32);
const AUTH_TOKEN = 'unit-test-auth-token';
const channel = createTwilioChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, logger: createLogger('silent') });
const SID = 'SM' + '3f'.repeat(16);

/** The error the SDK throws for a Twilio answer: built by the SDK's own RestException from the raw body. */
function restException(status: number, code: number, message: string): RestException {
  const body = JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  return new RestException({ statusCode: status, body, headers: {} });
}

describe('error table, row by row, from captured Twilio answers', () => {
  // [code, HTTP status Twilio answers with, message, retryable, action]
  const rows: [number, number, string, boolean, string | null][] = [
    [20429, 429, 'Too Many Requests', true, null],
    [21611, 400, 'This From number has exceeded the maximum number of queued messages', true, null],
    [21211, 400, "The 'To' number +1555123 is not a valid phone number.", false, 'invalid_number'],
    [21408, 400, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +2348030000000.", false, 'configuration'],
    [21610, 400, 'Attempt to send to unsubscribed recipient', false, 'opt_out'],
    [21614, 400, "'To' number +15555550000 is not a valid mobile number", false, 'landline'],
    [20003, 401, 'Authenticate', false, 'configuration'],
    [21602, 400, 'Message body is required.', false, null],
    [21604, 400, "A 'To' phone number is required.", false, null],
    [99999, 400, 'Some error Twilio adds next year', false, null], // unknown 4xx: permanent
    [20500, 500, 'Internal Server Error', true, null], // any 5xx: provider trouble
    [20503, 503, 'Service Unavailable', true, null],
  ];
  test.each(rows)('API error %i (HTTP %i)', (code, status, message, retryable, action) => {
    const e = toSendError(restException(status, code, message));
    expect(e).toBeInstanceOf(SendError);
    expect(e).toMatchObject({ code, httpStatus: status, retryable, message, action });
  });

  // Carrier codes arrive in status callbacks: [code, retryable, action]
  const carrier: [number, boolean, string | null][] = [
    [30001, true, null],
    [30003, true, null],
    [30008, true, null],
    [30022, true, null],
    [30005, false, null],
    [30006, false, 'landline'],
    [30007, false, null],
    [30034, false, 'configuration'],
    [30999, false, null], // unknown carrier code with no HTTP status: permanent, never retried forever
  ];
  test.each(carrier)('carrier error %i', (code, retryable, action) => {
    const c = classifyError(code);
    expect(c.retryable).toBe(retryable);
    expect(c.action ?? null).toBe(action);
    expect(c.meaning).toEqual(expect.any(String));
  });

  test('throttling codes say so, so the worker can slow down', () => {
    for (const code of [20429, 30022, 30001, 21611]) expect(classifyError(code).throttled).toBe(true);
    expect(classifyError(30003).throttled).toBeUndefined();
  });

  test('every table row has a meaning, and only known actions', () => {
    for (const [code, rule] of Object.entries(ERROR_TABLE)) {
      expect(rule.meaning.length).toBeGreaterThan(3);
      expect([undefined, 'opt_out', 'landline', 'invalid_number', 'configuration']).toContain(rule.action);
      expect(Number(code)).toBeGreaterThan(10000);
    }
  });

  test('an RFC 9457 error answer (newer Twilio APIs) is read too', () => {
    const body = { type: 'https://www.twilio.com/docs/errors/20429', title: 'Too Many Requests', status: 429, code: 20429, detail: 'slow down' };
    const e = toSendError(new TwilioServiceException({ statusCode: 429, body: JSON.stringify(body) }));
    expect(e).toMatchObject({ code: 20429, httpStatus: 429, retryable: true });
  });

  test('network errors and timeouts are retryable; programming errors are not', () => {
    expect(toSendError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toMatchObject({
      retryable: true,
      code: null,
      httpStatus: null,
    });
    expect(toSendError(Object.assign(new Error('timeout of 15000ms exceeded'), { code: 'ECONNABORTED' })).retryable).toBe(true);
    expect(toSendError(new TypeError('Cannot read properties of undefined')).retryable).toBe(false);
  });

  test('a real refused connection through the SDK is a retryable SendError', async () => {
    const offline = createTwilioChannel({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      simulatorUrl: () => 'http://127.0.0.1:1/sim',
      logger: createLogger('silent'),
    });
    const err = await offline.send({ to: '+15555550123', from: '+15555550100', body: 'x', statusCallback: 'https://x.test/s' }).catch((e) => e);
    expect(err).toBeInstanceOf(SendError);
    expect(err).toMatchObject({ retryable: true, code: null });
  });
});

describe('status table, row by row', () => {
  // [Twilio MessageStatus, our status]
  const rows: [string, string][] = [
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['partially_delivered', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'delivered'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
  ];
  test.each(rows)('%s → %s', (twilioStatus, status) => {
    expect(statusFor(twilioStatus)).toBe(status);
    const cb = {
      SmsSid: SID,
      SmsStatus: twilioStatus,
      MessageStatus: twilioStatus,
      To: '+15555550123',
      MessageSid: SID,
      AccountSid: ACCOUNT_SID,
      From: '+15555550100',
      ApiVersion: '2010-04-01',
    };
    expect(channel.parseStatus(cb)).toEqual({ providerSid: SID, status, errorCode: null, errorAction: null, errorRetryable: false, to: '+15555550123', from: '+15555550100' });
  });

  test('the table has exactly these rows', () => {
    expect(Object.keys(STATUS_TABLE).sort()).toEqual(rows.map((r) => r[0]).sort());
  });

  test('an undelivered callback carries the code and what it means', () => {
    const cb = { MessageSid: SID, MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '30006', To: '+15555550123', From: '+15555550100' };
    expect(channel.parseStatus(cb)).toMatchObject({ status: 'undelivered', errorCode: 30006, errorAction: 'landline', errorRetryable: false });
  });

  test('an unreachable handset (30003) is worth another try later; a filtered text (30007) is not', () => {
    const cb = (code: string) => ({ MessageSid: SID, MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: code, To: '+15555550123', From: '+15555550100' });
    expect(channel.parseStatus(cb('30003'))).toMatchObject({ errorCode: 30003, errorAction: null, errorRetryable: true });
    expect(channel.parseStatus(cb('30007'))).toMatchObject({ errorCode: 30007, errorAction: null, errorRetryable: false });
  });
});

describe('webhook parsing', () => {
  const inbound = {
    ToCountry: 'US',
    ToState: 'NY',
    SmsMessageSid: SID,
    NumMedia: '0',
    ToCity: '',
    FromZip: '10001',
    SmsSid: SID,
    FromState: 'NY',
    SmsStatus: 'received',
    FromCity: 'NEW YORK',
    Body: '¿A qué hora es la reunión?',
    FromCountry: 'US',
    To: '+15555550100',
    ToZip: '',
    NumSegments: '1',
    MessageSid: SID,
    AccountSid: ACCOUNT_SID,
    From: '+15555550123',
    ApiVersion: '2010-04-01',
  };

  test('a captured inbound form parses', () => {
    expect(channel.parseInbound(inbound)).toEqual({
      providerSid: SID,
      from: '+15555550123',
      to: '+15555550100',
      messagingServiceSid: null,
      body: '¿A qué hora es la reunión?',
      numMedia: 0,
      mediaUrls: [],
      optOutType: null,
    });
  });

  test('media without a body, and Advanced Opt-Out tags', () => {
    const mms = { ...inbound, MessageSid: 'MM' + 'a'.repeat(32), NumMedia: '1', MediaUrl0: 'https://api.twilio.com/x.jpg', MediaContentType0: 'image/jpeg' };
    delete (mms as Partial<typeof mms>).Body;
    expect(channel.parseInbound(mms)).toMatchObject({ body: '', numMedia: 1, mediaUrls: ['https://api.twilio.com/x.jpg'] });
    expect(channel.parseInbound({ ...inbound, Body: 'STOP', OptOutType: 'STOP' }).optOutType).toBe('STOP');
    expect(channel.parseInbound({ ...inbound, Body: '' }).body).toBe('');
  });

  test('malformed forms throw AppError 400 and nothing else', () => {
    const bad: unknown[] = [
      undefined,
      null,
      {},
      'MessageSid=SM1',
      [],
      { ...inbound, MessageSid: 'SM123' },
      { ...inbound, MessageSid: 'XX' + 'a'.repeat(32) },
      { ...inbound, From: '' },
      { ...inbound, To: '   ' },
      { ...inbound, From: ['+1', '+2'] },
      { ...inbound, From: '+1' + '5'.repeat(5004) },
      { ...inbound, From: "'; DROP TABLE messages;--" },
      { ...inbound, From: ' +15555550123' },
      { ...inbound, To: '15555550100' },
      { ...inbound, To: 'FamilyLine' },
      { ...inbound, Body: undefined },
      { ...inbound, NumMedia: 'lots' },
      { ...inbound, Body: { nested: true } },
    ];
    const keys = Object.keys(inbound) as (keyof typeof inbound)[];
    for (let i = 0; i < 60; i++) {
      const form: Record<string, unknown> = { ...inbound };
      const k = keys[(i * 7) % keys.length];
      if (['MessageSid', 'From', 'To', 'Body'].includes(k)) form[k] = i % 3 === 0 ? undefined : i % 3 === 1 ? 42 : [k];
      else form.MessageSid = 'SM' + 'z'.repeat(i % 40);
      bad.push(form);
    }
    for (const form of bad) {
      let thrown: unknown = null;
      try {
        channel.parseInbound(form as Record<string, string>);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).status).toBe(400);
      expect(Object.keys((thrown as AppError).fields ?? {}).length).toBeGreaterThan(0);
    }
  });

  test('From and To take a phone number or a short code, in a text and in a status callback', () => {
    expect(channel.parseInbound({ ...inbound, From: '72345' })).toMatchObject({ from: '72345', to: '+15555550100' });
    expect(channel.parseInbound({ ...inbound, To: '898211' }).to).toBe('898211');
    const status = { MessageSid: SID, MessageStatus: 'sent' };
    expect(channel.parseStatus({ ...status, To: '+15555550123', From: '72345' })).toMatchObject({ to: '+15555550123', from: '72345' });
    for (const bad of ['+1' + '5'.repeat(5004), "'; DROP TABLE messages;--", '12', '']) {
      expect(() => channel.parseStatus({ ...status, To: bad })).toThrow(AppError);
    }
  });

  test('status callbacks with an unknown status, a bad sid or a non-numeric ErrorCode are 400s', () => {
    const ok = { MessageSid: SID, MessageStatus: 'sent' };
    for (const form of [{}, { ...ok, MessageStatus: 'received' }, { ...ok, MessageStatus: 'DELIVERED' }, { ...ok, MessageSid: 'x' }, { ...ok, ErrorCode: '3000x' }]) {
      expect(() => channel.parseStatus(form as Record<string, string>)).toThrow(AppError);
    }
    expect(channel.parseStatus({ ...ok, ErrorCode: '' }).errorCode).toBeNull();
  });
});

describe('signatures', () => {
  const url = 'https://familyline.test/webhooks/twilio/sms';
  const params = { MessageSid: SID, AccountSid: ACCOUNT_SID, Body: 'hi', From: '+15555550123', To: '+15555550100' };
  const TRUSTED = { trusted: true };
  const BAD = { trusted: false, reason: 'bad_signature' };

  test("a signature made the way Twilio signs is accepted; anything else is refused, never thrown", () => {
    const sig = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
    expect(channel.verifyWebhook(sig, url, params)).toEqual(TRUSTED);
    expect(channel.verifyWebhook(sig, url, { ...params, Body: 'HI' })).toEqual(BAD);
    expect(channel.verifyWebhook(sig, 'https://evil.test/webhooks/twilio/sms', params)).toEqual(BAD);
    expect(channel.verifyWebhook(undefined, url, params)).toEqual(BAD);
    expect(channel.verifyWebhook('', url, params)).toEqual(BAD);
    expect(channel.verifyWebhook(sig, 'not a url', params)).toEqual(BAD);
  });

  test('a well-signed webhook for another account, or for none, is refused', () => {
    const other = { ...params, AccountSid: 'AC' + 'e'.repeat(32) };
    const sign = (p: Record<string, string>) => twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, p);
    expect(channel.verifyWebhook(sign(other), url, other)).toEqual({ trusted: false, reason: 'other_account', accountSid: other.AccountSid });
    const { AccountSid: _, ...none } = params;
    expect(channel.verifyWebhook(sign(none), url, none)).toEqual({ trusted: false, reason: 'other_account', accountSid: null });
    const junk = { ...params, AccountSid: `${ACCOUNT_SID} ` };
    expect(channel.verifyWebhook(sign(junk), url, junk)).toEqual({ trusted: false, reason: 'other_account', accountSid: null });
  });

  test('channel facts', () => {
    expect(channel.name).toBe('twilio');
    expect(channel.answersStandardKeywords).toBe(true);
  });
});
