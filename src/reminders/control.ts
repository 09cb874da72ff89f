import type { Deps } from '../deps';
import { AppError } from '../errors';
import { isoNow } from '../lib/clock';
import { cancelWaiting, getBroadcast, moveBroadcast, pagesWithWaiting, type BroadcastRow } from '../../db/repositories/broadcasts';
import { waitingCount } from '../../db/repositories/broadcast-reads';
import type { BroadcastPauseReason } from '../../db/schema';
import { enqueueBatch } from '../queue/queues';
import { batchJobId } from '../queue/names';
import { publishBroadcastLive } from './live';
import { forgetStatus } from './guardrail';

/**
 * Pause, resume and cancel. Each is one conditional UPDATE of the broadcast's status; the batch
 * jobs and sends read that status (cached a second at most, guardrail.ts) before each text, so a
 * change takes effect within seconds without reaching into the queue.
 */

/** Stops further texts; those waiting stay queued or held for a resume. Null when it was not running. */
export async function pauseBroadcast(deps: Deps, id: number, reason: BroadcastPauseReason): Promise<BroadcastRow | null> {
  const row = await moveBroadcast(deps.db, id, ['scheduled', 'sending'], { status: 'paused', pausedReason: reason }, isoNow(deps.clock));
  if (row) changed(deps, id);
  return row;
}

/** Back to sending: every page with waiting texts gets a batch job of the new round. */
export async function resumeBroadcast(deps: Deps, id: number): Promise<BroadcastRow | null> {
  const at = isoNow(deps.clock);
  const row = await moveBroadcast(deps.db, id, ['paused'], { status: 'sending', nextRound: true }, at);
  if (!row) return null;
  changed(deps, id);
  await requeuePages(deps, row);
  return row;
}

/** A batch job for every page that still has waiting texts, delayed to its first due one (an existing job of the round is kept). */
export async function requeuePages(deps: Deps, row: BroadcastRow): Promise<void> {
  const now = deps.clock.now();
  for (const p of await pagesWithWaiting(deps.db, row.id)) {
    // A job of this round that gave up (the database was down through all its tries) is replaced.
    const failed = await deps.queues.broadcast.getJob(batchJobId(row.id, p.page, row.sendRound));
    if (failed && (await failed.isFailed())) await failed.remove();
    await enqueueBatch(deps.queues, row.id, p.page, row.sendRound, p.dueAt ? Date.parse(p.dueAt) - now : 0);
  }
}

/** Ends it: what was sent stays sent, everything still waiting becomes 'canceled'. */
export async function cancelBroadcast(deps: Deps, id: number): Promise<BroadcastRow | null> {
  const row = await moveBroadcast(deps.db, id, ['scheduled', 'sending', 'paused'], { status: 'canceled' }, isoNow(deps.clock));
  if (!row) return null;
  forgetStatus(id);
  // A text a send claimed just before this stays with that send; the rest never leave.
  const canceled = await cancelWaiting(deps.db, id, isoNow(deps.clock));
  deps.logger.info({ broadcastId: id, canceled: canceled.length }, 'broadcast canceled');
  changed(deps, id);
  return row;
}

/**
 * 'done' once the fan-out has finished and no text is left waiting or being handed over (from
 * 'scheduled' too: an audience whose every family was skipped has nothing to wait for).
 */
export async function settleBroadcast(deps: Deps, id: number): Promise<void> {
  const row = await getBroadcast(deps.db, id);
  if (!row || (row.status !== 'sending' && row.status !== 'scheduled') || !row.fanoutDone) return;
  if ((await waitingCount(deps.db, id)) > 0) return;
  if (await moveBroadcast(deps.db, id, ['scheduled', 'sending'], { status: 'done' }, isoNow(deps.clock))) changed(deps, id);
}

/** Answers for the API: a control that does not apply to the broadcast's status is a 409. */
export function mustHaveMoved(row: BroadcastRow | null, action: string): BroadcastRow {
  if (!row) throw new AppError(409, 'conflict', `The broadcast cannot ${action} in its current status`);
  return row;
}

function changed(deps: Deps, id: number): void {
  forgetStatus(id);
  publishBroadcastLive(deps, id);
}
