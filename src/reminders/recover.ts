import type { Deps } from '../deps';
import { activeBroadcasts } from '../../db/repositories/broadcasts';
import { enqueueFanout } from '../queue/queues';
import { fanoutJobId } from '../queue/names';
import { requeuePages, settleBroadcast } from './control';

/**
 * The tick's part for broadcasts: the database is the truth, so a broadcast whose jobs were lost
 * (Redis restarted without its data, a fan-out that gave up while the database was busy) gets
 * them back. Job ids are deterministic, so a job that is still there is never doubled; the send
 * claim keeps a text from leaving twice should two jobs meet anyway.
 */
export async function recoverBroadcasts(deps: Deps): Promise<void> {
  for (const b of await activeBroadcasts(deps.db)) {
    if (!b.fanoutDone) {
      const job = await deps.queues.broadcast.getJob(fanoutJobId(b.id, b.fanoutCursor));
      // A fan-out that ended at this cursor (failed for good) is started again; one waiting or running is left alone.
      const ended = !job || (await job.isFailed()) || (await job.isCompleted());
      if (job && ended) await job.remove();
      if (ended) await enqueueFanout(deps.queues, b.id, b.fanoutCursor);
    }
    if (b.status === 'canceled') continue;
    await requeuePages(deps, b);
    await settleBroadcast(deps, b.id);
  }
}
