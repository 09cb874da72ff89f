/**
 * The carrier could not deliver a text for a passing reason (the phone was off: 30003; an
 * unknown carrier error: 30008): it goes again later, a few times at most, through the send
 * worker, so opt-outs and quiet hours are checked again. Permanent errors are never retried.
 */
import type { StatusUpdate } from '../channels/channel';
import type { Deps } from '../deps';
import { maskPhone } from '../lib/phone';
import { holdForRetry, type MessageRow } from '../../db/repositories/messages';
import { enqueueSend } from '../queue/queues';

/** How long to wait before each new try; a message is sent at most once more than this has entries. */
export const CARRIER_RETRY_DELAYS_MS = [15 * 60_000, 60 * 60_000] as const;

/** When the next try of a message sent `attempts` times should go, or null when it has had its tries. */
export function nextCarrierRetry(attempts: number, atMs: number): number | null {
  const delay = CARRIER_RETRY_DELAYS_MS[attempts - 1];
  return delay === undefined ? null : atMs + delay;
}

/** Schedules another try when the failure the callback reports is worth one; true when it did. */
export async function retryAfterCarrierFailure(deps: Deps, message: MessageRow, update: StatusUpdate, at: string): Promise<boolean> {
  if (!update.errorRetryable || message.direction !== 'outbound' || (update.status !== 'undelivered' && update.status !== 'failed')) return false;
  const untilMs = nextCarrierRetry(message.attempts, Date.parse(at));
  if (untilMs === null) return false;
  // The hold decides alone, in one conditional UPDATE, whether this callback schedules the try and
  // on which round: the new job has its own id, so it is added even while the job that sent the
  // text is still finishing, and nothing here waits on the queue.
  const round = await holdForRetry(deps.db, message.id, update.providerSid, new Date(untilMs).toISOString(), at);
  if (round === null) return false;
  await enqueueSend(deps.queues, message.id, untilMs - Date.parse(at), round);
  deps.logger.info({ messageId: message.id, to: maskPhone(message.toNumber), code: update.errorCode, attempts: message.attempts }, 'carrier could not deliver; will try again later');
  return true;
}
