import crypto from 'node:crypto';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../logger';
import type { Delivery } from './delivery';
import type { SimDirectory } from './directory';
import type { SimStore } from './store';
import type { WebhookClient } from './webhook';

/** What the simulator's routers share. */
export interface SimContext {
  accountSid: string;
  authToken: string;
  publicBaseUrl: string;
  clock: Clock;
  logger: Logger;
  store: SimStore;
  delivery: Delivery;
  /** Signs for the public URL, delivers to the local base (see setWebhookBase). */
  webhooks: WebhookClient;
  /** The service's default sender (TWILIO_FROM), known before it has sent anything; null when unknown. */
  serviceNumber: string | null;
  /** Parents' phones to offer on the phone page; null when the simulator runs without a database beside it. */
  directory: SimDirectory | null;
}

export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A messaging service picks a number from its pool; the simulator gives each service one
 * stable number (+1555…) so phones can reply to it and opt-outs have a sender to attach to.
 */
export function poolNumberFor(messagingServiceSid: string): string {
  const n = crypto.createHash('sha1').update(messagingServiceSid).digest().readUInt32BE(0) % 10_000_000;
  return `+1555${String(n).padStart(7, '0')}`;
}
