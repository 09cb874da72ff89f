import type { InboundSms, StatusUpdate, WebhookParams } from '../channels/channel';

/** One constant per BullMQ queue. */
export const QUEUE = {
  send: 'send',
  inbound: 'inbound',
  /** Periodic housekeeping: settles sends whose worker died, requeues outbound messages whose send job was lost, looks up those whose final status never came. */
  tick: 'tick',
  /** Roster files uploaded through the API (POST /api/v1/roster/imports), one job per import. */
  rosterImport: 'roster-import',
  /** Weekend nudges: one job a minute from a BullMQ job scheduler (see src/nudges/schedule.ts). */
  nudges: 'nudges',
} as const;

export interface SendJob {
  messageId: number;
  /** Set to job.attemptsMade when a paced slot was reserved for this attempt, so it is not reserved twice. */
  pacedAttempt?: number;
}

export interface InboundJob {
  messageId: number;
  /** Whether storing the text changed the number's opt-out (decides if a START is confirmed). */
  optOutChanged: boolean;
}

/** A webhook from the provider, as parsed: an inbound text or a status callback. */
export type Webhook = { kind: 'sms'; sms: InboundSms } | { kind: 'status'; update: StatusUpdate; params: WebhookParams };

/** A webhook kept while the database was busy, applied by the inbound worker (see webhook-spool.ts). */
export type SpooledWebhook = Webhook & { receivedAt: string };

export interface RosterImportJob {
  importId: number;
}

/**
 * BullMQ refuses purely numeric custom ids, so message 42's first job is "msg-42"; each later
 * round (messages.send_round: a carrier retry or a recovery) has its own, "msg-42-r1", …
 */
export const sendJobId = (messageId: number, round = 0) => (round ? `msg-${messageId}-r${round}` : `msg-${messageId}`);
export const inboundJobId = (messageId: number) => `in-${messageId}`;
/** One job per text, and per status of a text: Twilio's own retries of a webhook add nothing. */
export const spooledWebhookJobId = (w: Webhook) =>
  w.kind === 'sms' ? `webhook-sms-${w.sms.providerSid}` : `webhook-status-${w.update.providerSid}-${w.update.status}`;
export const rosterImportJobId = (importId: number) => `import-${importId}`;
