import crypto from 'node:crypto';

/** Twilio's wire formats, copied from real API answers so the SDK cannot tell the difference. */

export const API_VERSION = '2010-04-01';

export function newSid(prefix: 'SM' | 'MM' = 'SM'): string {
  return prefix + crypto.randomBytes(16).toString('hex');
}

/** Twilio dates are RFC 2822 in UTC: "Thu, 24 Aug 2023 05:01:45 +0000". */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}

export interface MessageFields {
  sid: string;
  accountSid: string;
  from: string | null;
  to: string;
  body: string;
  status: string;
  segments: number;
  messagingServiceSid: string | null;
  createdAt: number;
  updatedAt: number;
  errorCode: number | null;
  errorMessage: string | null;
}

export function messageJson(m: MessageFields) {
  const uri = `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.sid}`;
  return {
    account_sid: m.accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.createdAt),
    date_sent: rfc2822(m.createdAt),
    date_updated: rfc2822(m.updatedAt),
    direction: 'outbound-api',
    error_code: m.errorCode,
    error_message: m.errorMessage,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: '0',
    num_segments: String(m.segments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `${uri}/Media.json` },
    to: m.to,
    uri: `${uri}.json`,
  };
}

/** API-time errors: the HTTP status and message Twilio answers with for each code. */
const API_ERRORS: Record<number, { status: number; message: (to: string) => string }> = {
  20003: { status: 401, message: () => 'Authenticate' },
  20404: { status: 404, message: () => 'The requested resource was not found' },
  20429: { status: 429, message: () => 'Too Many Requests' },
  21211: { status: 400, message: (to) => `The 'To' number ${to} is not a valid phone number.` },
  21408: { status: 400, message: (to) => `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.` },
  21602: { status: 400, message: () => 'Message body is required.' },
  21603: { status: 400, message: () => "A 'From' or 'MessagingServiceSid' parameter is required to send a message" },
  21604: { status: 400, message: () => "A 'To' phone number is required." },
  21610: { status: 400, message: () => 'Attempt to send to unsubscribed recipient' },
  21611: { status: 400, message: () => 'This From number has exceeded the maximum number of queued messages' },
  21614: { status: 400, message: (to) => `'To' number ${to} is not a valid mobile number` },
  21617: { status: 400, message: () => 'The concatenated message body exceeds the 1600 character limit.' },
};

export function apiErrorJson(code: number, to = '') {
  const known = API_ERRORS[code];
  const status = known?.status ?? 400;
  return {
    status,
    body: {
      code,
      message: known ? known.message(to) : `Error ${code}`,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
    },
  };
}

/** Carrier (delivery-time) error texts, shown on the message like Twilio's console does. */
export const CARRIER_ERRORS: Record<number, string> = {
  30001: 'Queue overflow',
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
  30022: 'US A2P 10DLC - Rate limits exceeded',
  30034: 'US A2P 10DLC - Message from an unregistered number',
};

/** Codes Twilio reports at create time (HTTP error) rather than later in a status callback. */
export function isApiTimeCode(code: number): boolean {
  return code < 30000;
}
