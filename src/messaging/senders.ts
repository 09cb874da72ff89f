import type { Config } from '../config';
import type { SchoolRow } from '../../db/repositories/routing';

export interface Sender {
  from?: string;
  messagingServiceSid?: string;
  /** What opt-outs and pacing are kept under: the number, or the messaging service. */
  key: string;
}

/** A school sends from its own number or service, else the deployment's TWILIO_FROM / service. */
export function senderFor(school: SchoolRow | null | undefined, config: Config): Sender {
  if (school?.fromNumber) return { from: school.fromNumber, key: school.fromNumber };
  if (school?.messagingServiceSid) return { messagingServiceSid: school.messagingServiceSid, key: school.messagingServiceSid };
  if (config.twilio.messagingServiceSid) {
    return { messagingServiceSid: config.twilio.messagingServiceSid, key: config.twilio.messagingServiceSid };
  }
  if (config.twilio.from) return { from: config.twilio.from, key: config.twilio.from };
  throw new Error('No sending number: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, or give the school a number');
}

/** True when an inbound text to `to` reached the deployment's shared sender rather than a school's own. */
export function isDefaultSender(to: string, config: Config, viaService: boolean): boolean {
  return to === config.twilio.from || (viaService && Boolean(config.twilio.messagingServiceSid));
}
