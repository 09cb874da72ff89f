/**
 * Twilio MessageStatus values as data. Callbacks arrive late, twice and out of order, so the
 * domain keeps the highest rank reached; final statuses never move again.
 */

export type OurStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface StatusRule {
  status: OurStatus;
  rank: number;
  final: boolean;
}

/** Ranks of our statuses: undelivered/failed outrank everything because they are terminal. */
export const STATUS_RANK: Readonly<Record<OurStatus, number>> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 4,
  failed: 4,
};

const rule = (status: OurStatus): StatusRule => ({
  status,
  rank: STATUS_RANK[status],
  final: status === 'delivered' || status === 'undelivered' || status === 'failed',
});

/** Every status Twilio reports for an outbound message. */
export const STATUS_TABLE: Readonly<Record<string, StatusRule>> = {
  accepted: rule('queued'), // a messaging service took it and is picking a sender
  scheduled: rule('queued'), // scheduled sends wait like queued ones
  queued: rule('queued'),
  sending: rule('sending'),
  sent: rule('sent'),
  partially_delivered: rule('sent'), // some segments arrived; a later callback settles it
  delivered: rule('delivered'),
  read: rule('delivered'), // channels with read receipts report past delivery
  undelivered: rule('undelivered'),
  failed: rule('failed'),
  canceled: rule('failed'), // a canceled scheduled message will never leave
};

export const TWILIO_STATUSES = Object.keys(STATUS_TABLE) as [string, ...string[]];

/** Our status for a Twilio status, or null when Twilio's word is not an outbound status. */
export function statusFor(twilioStatus: string): StatusRule | null {
  return Object.prototype.hasOwnProperty.call(STATUS_TABLE, twilioStatus) ? STATUS_TABLE[twilioStatus] : null;
}

/** True when moving from `current` to `next` is progress (status only moves forward). */
export function isAdvance(current: OurStatus, next: OurStatus): boolean {
  if (current === 'delivered' || current === 'undelivered' || current === 'failed') return false;
  return STATUS_RANK[next] > STATUS_RANK[current];
}
