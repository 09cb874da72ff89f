/**
 * Twilio error codes as data: what each means and whether a send may be tried again.
 * The send worker and the status-callback handler both decide through classifyError, so a
 * code means the same thing whether it came back from the API or from the carrier later.
 */

import type { ErrorAction } from '../channel';

export type { ErrorAction };

export interface ErrorRule {
  retryable: boolean;
  meaning: string;
  /** What it means in plain words, for the people reading a delivery report. */
  plain: string;
  /** What the domain should record besides failing the message. */
  action?: Exclude<ErrorAction, null>;
  /** Retry, but slower: the provider or carrier asked us to back off. */
  throttled?: boolean;
}

export const ERROR_TABLE: Readonly<Record<number, ErrorRule>> = {
  // Throttling and queue limits: always worth another try, later.
  20429: { retryable: true, throttled: true, meaning: 'Too many requests', plain: 'the provider was busy; tried again later' },
  30022: { retryable: true, throttled: true, meaning: 'US A2P 10DLC rate limit exceeded', plain: "sending too fast for the number's registration; tried again later" },
  30001: { retryable: true, throttled: true, meaning: 'Queue overflow', plain: "the provider's queue was full; tried again later" },
  21611: { retryable: true, throttled: true, meaning: 'This From number has exceeded the maximum number of queued messages', plain: 'too many texts waiting on the sending number; tried again later' },
  // Transient carrier trouble: a few more tries at most (the worker caps attempts).
  30003: { retryable: true, meaning: 'Unreachable destination handset', plain: 'phone unreachable (off or out of coverage)' },
  30008: { retryable: true, meaning: 'Unknown error', plain: 'the carrier could not say why it failed' },
  // The number itself will not take texts.
  21211: { retryable: false, action: 'invalid_number', meaning: "Invalid 'To' phone number", plain: 'not a valid phone number' },
  21614: { retryable: false, action: 'landline', meaning: "'To' number is not a valid mobile number", plain: "not a mobile number: can't receive texts" },
  30006: { retryable: false, action: 'landline', meaning: 'Landline or unreachable carrier', plain: "landline: can't receive texts" },
  30005: { retryable: false, meaning: 'Unknown destination handset', plain: 'unknown number: no longer in service' },
  21610: { retryable: false, action: 'opt_out', meaning: 'Attempt to send to unsubscribed recipient', plain: 'opted out at the carrier (texted STOP)' },
  // Content or carrier policy: this text will not go through as written.
  30007: { retryable: false, meaning: 'Message filtered by the carrier', plain: 'carrier filtered the message' },
  30004: { retryable: false, meaning: 'Message blocked', plain: 'blocked by the carrier or the phone' },
  21617: { retryable: false, meaning: 'The concatenated message body exceeds the 1600 character limit', plain: 'text too long (over 1,600 characters)' },
  21612: { retryable: false, meaning: "The 'To' phone number is not currently reachable using the 'From' phone number", plain: "this number can't be reached from the school's sending number" },
  // Our own setup is wrong: retrying cannot help, an operator must act.
  21408: { retryable: false, action: 'configuration', meaning: 'Permission to send an SMS has not been enabled for the region', plain: 'texts to this country are not enabled for the account' },
  30034: { retryable: false, action: 'configuration', meaning: 'US A2P 10DLC message from an unregistered number', plain: "the school's sending number is not registered with carriers (10DLC)" },
  30032: { retryable: false, action: 'configuration', meaning: 'Toll-free number has not been verified', plain: "the school's toll-free number is not verified" },
  30002: { retryable: false, action: 'configuration', meaning: 'Account suspended', plain: 'the texting account is suspended' },
  20003: { retryable: false, action: 'configuration', meaning: 'Authentication failed (account sid or auth token)', plain: "the texting account's credentials were refused" },
  20404: { retryable: false, action: 'configuration', meaning: 'The requested resource was not found', plain: 'the texting account was not found' },
  21602: { retryable: false, meaning: 'Message body is required', plain: 'the text was empty' },
  21603: { retryable: false, action: 'configuration', meaning: "A 'From' or 'MessagingServiceSid' parameter is required", plain: 'no sending number is set up' },
  21604: { retryable: false, meaning: "A 'To' phone number is required", plain: 'no phone number to send to' },
  21606: { retryable: false, action: 'configuration', meaning: "The 'From' phone number is not a valid, SMS-capable number for this account", plain: "the sending number can't send texts for this account" },
};

/** A code's plain-words meaning for a delivery report; null for no code. */
export function plainMeaning(code: number | null): string | null {
  if (code === null) return null;
  return ERROR_TABLE[code]?.plain ?? `error ${code} (not in FamilyLine's table)`;
}

export interface Classification extends Omit<ErrorRule, 'plain'> {
  code: number | null;
}

/**
 * Classifies a Twilio error code, falling back on the HTTP status for codes the table does
 * not know: 429 and 5xx are the provider's trouble (retry), any other 4xx is ours (do not).
 * With neither (a carrier code in a status callback we have never seen) it is permanent,
 * because retrying forever is worse than failing once.
 */
export function classifyError(code: number | null | undefined, httpStatus?: number | null): Classification {
  const known = code != null ? ERROR_TABLE[code] : undefined;
  if (known) return { code: code ?? null, ...known };
  const c = code ?? null;
  if (httpStatus === 429) return { code: c, retryable: true, throttled: true, meaning: 'Too many requests' };
  if (httpStatus != null && httpStatus >= 500) return { code: c, retryable: true, meaning: `Provider error (HTTP ${httpStatus})` };
  if (httpStatus != null && httpStatus >= 400) return { code: c, retryable: false, meaning: `Request refused (HTTP ${httpStatus})` };
  return { code: c, retryable: false, meaning: c != null ? `Unknown error ${c}` : 'Unknown error' };
}

/** Node and axios codes for a request that never got an HTTP answer: the provider may or may not have the text. */
export const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EAI_AGAIN',
  'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_NETWORK', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET',
]);
