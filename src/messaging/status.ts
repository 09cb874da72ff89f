import type { MessageStatus } from '../../db/schema';

/**
 * How far a message has got; a callback only ever moves it forward. A send's claim moves a
 * waiting message (held, queued) to 'sending', where the carrier's own queued/sending leave it.
 */
const RANK: Record<MessageStatus, number> = {
  received: 0,
  held: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  delivered: 5,
  undelivered: 6,
  failed: 6,
  blocked: 6,
  // A broadcast's waiting text that staff canceled: final, like blocked, and never sent.
  canceled: 6,
};

export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['delivered', 'undelivered', 'failed', 'blocked', 'canceled']);

export function isFinal(status: MessageStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** True when a message at `current` should take `next` (late and repeated callbacks do not). */
export function movesForward(current: MessageStatus, next: MessageStatus): boolean {
  if (isFinal(current)) return false;
  return RANK[next] > RANK[current];
}

export function isMessageStatus(s: string): s is MessageStatus {
  return s in RANK;
}
