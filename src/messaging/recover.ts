import type { Deps } from '../deps';
import { strandedOutbound } from '../../db/repositories/messages';
import { sendJobId } from '../queue/names';
import { enqueueSend } from '../queue/queues';

const STRANDED_AFTER_MS = 5 * 60_000;

/**
 * The database is the truth: a message still waiting to leave whose send job is gone (Redis
 * restarted without its data, a process died between the row and the job) gets its job back.
 * Messages whose job still exists are left to it.
 */
export async function requeueStranded(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const ids = await strandedOutbound(deps.db, new Date(now - STRANDED_AFTER_MS).toISOString(), new Date(now).toISOString());
  let requeued = 0;
  for (const id of ids) {
    if (await deps.queues.send.getJob(sendJobId(id))) continue;
    await enqueueSend(deps.queues, id);
    requeued++;
  }
  if (requeued) deps.logger.warn({ requeued }, 'requeued outbound messages that had lost their send job');
  return requeued;
}
