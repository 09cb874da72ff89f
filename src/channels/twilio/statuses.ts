/**
 * Twilio MessageStatus values mapped to FamilyLine's statuses, as data. Ordering (status only
 * moves forward) is the domain's rule and lives in src/messaging/status.ts.
 */

export type OurStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** Every status Twilio reports for an outbound message. */
export const STATUS_TABLE: Readonly<Record<string, OurStatus>> = {
  accepted: 'queued', // a messaging service took it and is picking a sender
  scheduled: 'queued', // scheduled sends wait like queued ones
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  partially_delivered: 'sent', // some segments arrived; a later callback settles it
  delivered: 'delivered',
  read: 'delivered', // channels with read receipts report past delivery
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed', // a canceled scheduled message will never leave
};

export const TWILIO_STATUSES = Object.keys(STATUS_TABLE) as [string, ...string[]];

/** Our status for a Twilio status, or null when Twilio's word is not an outbound status. */
export function statusFor(twilioStatus: string): OurStatus | null {
  return Object.prototype.hasOwnProperty.call(STATUS_TABLE, twilioStatus) ? STATUS_TABLE[twilioStatus] : null;
}
