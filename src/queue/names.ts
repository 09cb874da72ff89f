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
  /** Bulk reminders: one fan-out job per broadcast, then one batch send job per page of families (src/reminders). */
  broadcast: 'broadcast',
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

/**
 * A broadcast's jobs. The fan-out's id names the cursor it starts from, so a run cut short is
 * continued by a new job (the tick's recovery) while a repeat of the same start adds nothing. A
 * batch's id names its page and the broadcast's send round: a resume starts a new round, so each
 * page gets a fresh job even though the paused one is kept for the record.
 */
export type BroadcastJob = { kind: 'fanout'; broadcastId: number } | { kind: 'batch'; broadcastId: number; page: number; round: number };
export const fanoutJobId = (broadcastId: number, cursor: number) => `bc-${broadcastId}-fanout-${cursor}`;
export const batchJobId = (broadcastId: number, page: number, round: number) => `bc-${broadcastId}-p${page}-r${round}`;
