import type { Deps } from '../deps';
import { isoNow } from '../lib/clock';
import { maskPhone } from '../lib/phone';
import { failLapsedClaims, nextSendRound, strandedOutbound } from '../../db/repositories/messages';
import { enqueueSend, hasLiveSendJob } from '../queue/queues';

const STRANDED_AFTER_MS = 5 * 60_000;

/**
 * What staff see (failureReason) on a text whose sending process stopped after claiming it and
 * before the carrier's answer was stored: the carrier may have it, or not.
 */
export const OUTCOME_UNKNOWN = 'outcome_unknown';

/** The tick's housekeeping: first settle sends whose worker died, then give lost jobs back. */
export async function recoverOutbound(deps: Deps): Promise<void> {
  await failLapsedSends(deps);
  await requeueStranded(deps);
}

/**
 * A claim that outlived its lease (SEND_CLAIM_LEASE_MS) belongs to a worker that died between
 * claiming the message and storing the carrier's answer. Twilio has no idempotency key, and a
 * worker killed right after the carrier's 201 would make any resend a second copy on the
 * family's phone; so the message is never sent again on its own. It ends 'failed' with
 * failureReason 'outcome_unknown', which GET /api/v1/messages/:id shows, for staff to decide.
 */
export async function failLapsedSends(deps: Deps): Promise<number> {
  const at = isoNow(deps.clock);
  const lapsed = await failLapsedClaims(deps.db, at, OUTCOME_UNKNOWN, at);
  for (const m of lapsed) {
    deps.logger.warn({ messageId: m.id, to: maskPhone(m.toNumber) }, 'sending process stopped before the carrier answered; text failed as outcome unknown, not sent again');
  }
  return lapsed.length;
}

/**
 * The database is the truth: a message still waiting to leave whose send job is gone (Redis
 * restarted without its data, a process died between the row and the job, the job gave up
 * while the database was busy) gets a new job, on a new round so that a finished job kept for
 * the record cannot swallow it. Messages whose job may still run are left to it.
 */
export async function requeueStranded(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const at = isoNow(deps.clock);
  const stranded = await strandedOutbound(deps.db, new Date(now - STRANDED_AFTER_MS).toISOString(), at);
  let requeued = 0;
  for (const m of stranded) {
    if (await hasLiveSendJob(deps.queues, m.id, m.sendRound)) continue;
    const round = await nextSendRound(deps.db, m.id, m.sendRound, at);
    if (round === null) continue;
    await enqueueSend(deps.queues, m.id, 0, round);
    requeued++;
  }
  if (requeued) deps.logger.warn({ requeued }, 'requeued outbound messages that had lost their send job');
  return requeued;
}
