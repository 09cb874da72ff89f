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
  /** What the domain should record besides failing the message. */
  action?: Exclude<ErrorAction, null>;
  /** Retry, but slower: the provider or carrier asked us to back off. */
  throttled?: boolean;
}

export const ERROR_TABLE: Readonly<Record<number, ErrorRule>> = {
  // Throttling and queue limits: always worth another try, later.
  20429: { retryable: true, throttled: true, meaning: 'Too many requests' },
  30022: { retryable: true, throttled: true, meaning: 'US A2P 10DLC rate limit exceeded' },
  30001: { retryable: true, throttled: true, meaning: 'Queue overflow' },
  21611: { retryable: true, throttled: true, meaning: 'This From number has exceeded the maximum number of queued messages' },
  // Transient carrier trouble: a few more tries at most (the worker caps attempts).
  30003: { retryable: true, meaning: 'Unreachable destination handset' },
  30008: { retryable: true, meaning: 'Unknown error' },
  // The number itself will not take texts.
  21211: { retryable: false, action: 'invalid_number', meaning: "Invalid 'To' phone number" },
  21614: { retryable: false, action: 'landline', meaning: "'To' number is not a valid mobile number" },
  30006: { retryable: false, action: 'landline', meaning: 'Landline or unreachable carrier' },
  30005: { retryable: false, meaning: 'Unknown destination handset' },
  21610: { retryable: false, action: 'opt_out', meaning: 'Attempt to send to unsubscribed recipient' },
  // Content or carrier policy: this text will not go through as written.
  30007: { retryable: false, meaning: 'Message filtered by the carrier' },
  30004: { retryable: false, meaning: 'Message blocked' },
  21617: { retryable: false, meaning: 'The concatenated message body exceeds the 1600 character limit' },
  21612: { retryable: false, meaning: "The 'To' phone number is not currently reachable using the 'From' phone number" },
  // Our own setup is wrong: retrying cannot help, an operator must act.
  21408: { retryable: false, action: 'configuration', meaning: 'Permission to send an SMS has not been enabled for the region' },
  30034: { retryable: false, action: 'configuration', meaning: 'US A2P 10DLC message from an unregistered number' },
  30032: { retryable: false, action: 'configuration', meaning: 'Toll-free number has not been verified' },
  30002: { retryable: false, action: 'configuration', meaning: 'Account suspended' },
  20003: { retryable: false, action: 'configuration', meaning: 'Authentication failed (account sid or auth token)' },
  20404: { retryable: false, action: 'configuration', meaning: 'The requested resource was not found' },
  21602: { retryable: false, meaning: 'Message body is required' },
  21603: { retryable: false, action: 'configuration', meaning: "A 'From' or 'MessagingServiceSid' parameter is required" },
  21604: { retryable: false, meaning: "A 'To' phone number is required" },
  21606: { retryable: false, action: 'configuration', meaning: "The 'From' phone number is not a valid, SMS-capable number for this account" },
};

export interface Classification extends ErrorRule {
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
