import twilio from 'twilio';
import type { Logger } from '../../logger';
import { maskPhone } from '../../lib/phone';
import { SendError, type OutboundSms, type SendResult, type SmsChannel, type StatusLookup, type WebhookParams, type WebhookVerdict } from '../channel';
import { classifyError, NETWORK_ERROR_CODES } from './errors';
import { SimulatorRequestClient } from './sim-http-client';
import { accountSidOf, parseInboundParams, parseStatusParams } from './webhook-params';

export interface TwilioChannelOptions {
  accountSid: string;
  authToken: string;
  /** When set, the SDK talks to the carrier simulator at this URL (e.g. http://127.0.0.1:3000/sim). */
  simulatorUrl?: () => string;
  logger: Logger;
}

// Enough sockets for a benchmark's worth of concurrent sends; keep-alive avoids a TCP/TLS
// handshake per text, which otherwise caps throughput well below 1,000/s.
export const SDK_CLIENT_OPTS = { keepAlive: true, maxSockets: 64, maxFreeSockets: 64, maxTotalSockets: 256, timeout: 15000 };

export function createTwilioChannel(opts: TwilioChannelOptions): SmsChannel {
  const httpClient = opts.simulatorUrl
    ? new SimulatorRequestClient(opts.simulatorUrl, SDK_CLIENT_OPTS)
    : new twilio.RequestClient(SDK_CLIENT_OPTS);
  // autoRetry stays off: the send worker owns retries and backoff, one policy in one place.
  const client = twilio(opts.accountSid, opts.authToken, { httpClient });
  const name = opts.simulatorUrl ? 'sim' : 'twilio';
  const log = opts.logger.child({ channel: name });

  function signatureMatches(signature: string | undefined, url: string, params: WebhookParams): boolean {
    if (!signature) return false;
    try {
      return twilio.validateRequest(opts.authToken, signature, url, params ?? {});
    } catch (err) {
      // validateRequest throws on a URL it cannot parse; that is a mismatch, not a crash.
      log.warn({ err: (err as Error).message }, 'signature check could not run');
      return false;
    }
  }

  return {
    name,
    answersStandardKeywords: true,

    async send(msg: OutboundSms): Promise<SendResult> {
      const params = {
        to: msg.to,
        body: msg.body,
        statusCallback: msg.statusCallback,
        ...(msg.messagingServiceSid ? { messagingServiceSid: msg.messagingServiceSid } : { from: msg.from }),
      };
      try {
        const m = await client.messages.create(params);
        const segments = Number.parseInt(String(m.numSegments), 10);
        log.debug({ sid: m.sid, to: maskPhone(msg.to), status: m.status }, 'sms accepted');
        return { providerSid: m.sid, status: m.status, segments: Number.isFinite(segments) ? segments : null };
      } catch (err) {
        const sendError = toSendError(err);
        log.warn(
          { to: maskPhone(msg.to), code: sendError.code, httpStatus: sendError.httpStatus, retryable: sendError.retryable },
          `sms send refused: ${sendError.message}`,
        );
        throw sendError;
      }
    },

    async fetchStatus(providerSid: string): Promise<StatusLookup> {
      try {
        const m = await client.messages(providerSid).fetch();
        // The answer in a status callback's words, so both go through one parser and one table.
        const raw: WebhookParams = {
          MessageSid: m.sid,
          MessageStatus: m.status,
          ...(m.errorCode ? { ErrorCode: String(m.errorCode) } : {}),
          To: m.to,
          From: m.from ?? '',
          DateUpdated: m.dateUpdated?.toISOString() ?? '',
        };
        log.debug({ sid: m.sid, status: m.status }, 'sms status looked up');
        return { update: parseStatusParams(raw), raw };
      } catch (err) {
        const e = toSendError(err);
        log.warn({ sid: providerSid, code: e.code, httpStatus: e.httpStatus, retryable: e.retryable }, `sms status lookup failed: ${e.message}`);
        throw e;
      }
    },

    parseInbound: (params: WebhookParams) => parseInboundParams(params),
    parseStatus: (params: WebhookParams) => parseStatusParams(params),

    verifyWebhook(signature, url, params): WebhookVerdict {
      if (!signatureMatches(signature, url, params)) return { trusted: false, reason: 'bad_signature' };
      const accountSid = accountSidOf(params);
      if (accountSid !== opts.accountSid) return { trusted: false, reason: 'other_account', accountSid };
      return { trusted: true };
    },
  };
}

interface ErrorLike {
  status?: unknown;
  code?: unknown;
  message?: unknown;
  response?: { status?: unknown };
}

/**
 * SDK failures in our terms. RestException / TwilioServiceException carry Twilio's code and
 * the HTTP status; axios errors without a response are network trouble or timeouts, where the
 * text may or may not have left, so they are retryable like a 5xx.
 */
export function toSendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const e = (err ?? {}) as ErrorLike;
  const message = typeof e.message === 'string' && e.message ? e.message : 'Twilio request failed';
  const httpStatus = typeof e.status === 'number' ? e.status : typeof e.response?.status === 'number' ? e.response.status : null;
  if (httpStatus !== null) {
    const code = typeof e.code === 'number' ? e.code : null;
    const c = classifyError(code, httpStatus);
    return new SendError(message, code, c.retryable, httpStatus, c.action ?? null);
  }
  if (typeof e.code === 'string' && (NETWORK_ERROR_CODES.has(e.code) || /timeout/i.test(message))) {
    return new SendError(`Network error talking to Twilio: ${e.code}`, null, true, null);
  }
  // Anything else (a bug in our call, a malformed answer) is not fixed by trying again.
  return new SendError(message, null, false, null);
}
