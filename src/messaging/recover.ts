import type { Deps } from '../deps';
import { strandedOutbound } from '../../db/repositories/messages';
import { enqueueResend, hasLiveSendJob } from '../queue/queues';

const STRANDED_AFTER_MS = 5 * 60_000;

/**
 * The database is the truth: a message still waiting to leave whose send job is gone (Redis
 * restarted without its data, a process died between the row and the job) gets its job back.
 * Messages whose job may still run are left to it; a finished job (a carrier retry that could
 * not take the id back while that job was running) does not count.
 */
export async function requeueStranded(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const ids = await strandedOutbound(deps.db, new Date(now - STRANDED_AFTER_MS).toISOString(), new Date(now).toISOString());
  let requeued = 0;
  for (const id of ids) {
    if (await hasLiveSendJob(deps.queues, id)) continue;
    await enqueueResend(deps.queues, id, 0);
    requeued++;
  }
  if (requeued) deps.logger.warn({ requeued }, 'requeued outbound messages that had lost their send job');
  return requeued;
}
