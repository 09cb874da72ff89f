import { z } from 'zod';
import { AppError } from '../../errors';
import { E164, SHORT_CODE } from '../../lib/phone';
import type { InboundSms, StatusUpdate, WebhookParams } from '../channel';
import { classifyError } from './errors';
import { statusFor, TWILIO_STATUSES } from './statuses';

/**
 * Webhook forms as zod schemas. Anything that does not parse becomes AppError.validation
 * (a 400), never another exception: webhooks are the one door anyone on the internet can knock on.
 */

const messageSid = z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be SM or MM followed by 32 hex digits');
/** What Twilio puts in From and To for an SMS: a phone number, or a short code. Nothing else is stored or routed. */
const smsAddress = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') })
  .refine((v) => E164.test(v) || SHORT_CODE.test(v), 'must be a phone number in E.164 form (+15555550100) or a short code');
const count = z.string().regex(/^\d{1,3}$/, 'must be a small whole number');

const inboundSchema = z
  .object({
    MessageSid: messageSid,
    MessagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex digits').optional(),
    From: smsAddress,
    To: smsAddress,
    Body: z.string().max(20000, 'is too long').optional(),
    NumMedia: count.optional(),
    OptOutType: z.string().optional(),
  })
  .refine((p) => p.Body !== undefined || Number(p.NumMedia ?? 0) > 0, {
    path: ['Body'],
    message: 'is required unless the message has media',
  });

const statusSchema = z.object({
  MessageSid: messageSid,
  MessageStatus: z.enum(TWILIO_STATUSES, { error: `must be one of ${TWILIO_STATUSES.join(', ')}` }),
  ErrorCode: z
    .string()
    .regex(/^\d{0,6}$/, 'must be a whole number')
    .optional(),
  To: smsAddress.optional(),
  From: smsAddress.optional(),
});

/** The account a webhook says it is for; the channel refuses any but its own before parsing the rest. */
export function accountSidOf(params: WebhookParams): string | null {
  const v = params?.AccountSid;
  return typeof v === 'string' && /^AC[0-9a-fA-F]{32}$/.test(v) ? v : null;
}

function fieldsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : 'body';
    fields[key] ??= issue.message;
  }
  return fields;
}

function asObject(params: unknown): unknown {
  // A request without a form body reaches us as undefined; zod then names the missing fields.
  return params == null ? {} : params;
}

/** Advanced Opt-Out tags; a value we do not know is ignored rather than losing the text. */
function optOutType(raw: string | undefined): InboundSms['optOutType'] {
  const v = raw?.trim().toUpperCase();
  return v === 'STOP' || v === 'START' || v === 'HELP' ? v : null;
}

export function parseInboundParams(params: WebhookParams): InboundSms {
  const parsed = inboundSchema.safeParse(asObject(params));
  if (!parsed.success) throw AppError.validation(fieldsOf(parsed.error), 'Not a Twilio inbound message');
  const p = parsed.data;
  const numMedia = Number(p.NumMedia ?? 0);
  const mediaUrls: string[] = [];
  for (let i = 0; i < numMedia; i++) {
    const u = (params as Record<string, unknown>)[`MediaUrl${i}`];
    if (typeof u === 'string' && u) mediaUrls.push(u);
  }
  return {
    providerSid: p.MessageSid,
    from: p.From,
    to: p.To,
    messagingServiceSid: p.MessagingServiceSid ?? null,
    body: p.Body ?? '',
    numMedia,
    mediaUrls,
    optOutType: optOutType(p.OptOutType),
  };
}

/** `status` is OUR status (see statuses.ts); the raw Twilio word is in params for the audit trail. */
export function parseStatusParams(params: WebhookParams): StatusUpdate {
  const parsed = statusSchema.safeParse(asObject(params));
  if (!parsed.success) throw AppError.validation(fieldsOf(parsed.error), 'Not a Twilio status callback');
  const p = parsed.data;
  const errorCode = Number(p.ErrorCode) || null; // Twilio has no error 0; treat it as none
  const rule = errorCode != null ? classifyError(errorCode) : null;
  return {
    providerSid: p.MessageSid,
    status: statusFor(p.MessageStatus)!,
    errorCode,
    errorAction: rule?.action ?? null,
    errorRetryable: rule?.retryable ?? false,
    to: p.To || null,
    from: p.From || null,
  };
}
