import type { Deps } from '../deps';
import { SendError } from '../channels/channel';
import { isoNow } from '../lib/clock';
import { moveBroadcast, waitingOfPage, type QueuedText } from '../../db/repositories/broadcasts';
import { deliverMessage } from '../messaging/deliver';
import { broadcastState, forgetStatus } from './guardrail';
import { settleBroadcast } from './control';
import { publishBroadcastLive } from './live';

export type BatchOutcome = { kind: 'done' } | { kind: 'later'; atMs: number };

/** Texts of one batch handed over at once: the carrier's answer takes tens of ms, so a few in flight keep a sender's rate. */
export const BATCH_CONCURRENCY = 16;
/**
 * A paced sender needs fewer in flight (one per 5 texts a second it may send): each waits for
 * its slot, at most BULK_LOOKAHEAD_MS ahead (pacing.ts), and a text that finds the sender's
 * lookahead full has been read and claimed for nothing.
 */
export const lanesFor = (mps: number) => (mps > 0 ? Math.min(BATCH_CONCURRENCY, Math.max(1, Math.ceil(mps / 5))) : BATCH_CONCURRENCY);
/** A paced wait this short is slept through; a longer one frees the worker (the job moves to delayed). */
const SHORT_WAIT_MS = 250;
/** Tries of a text the carrier refused for a passing reason, as the send queue's own attempts. */
const MAX_ATTEMPTS = 6;
const FETCH = 200;

/**
 * One page's batch send job: hands each waiting text whose time has come to deliverMessage, whose
 * claim-before-send is the only guard against a text leaving twice (a rerun after a crash, two
 * rounds at once). The page's waiting texts themselves are the cursor: whatever is still queued or
 * held is what is left, so a job moved to delayed, or run again, picks up exactly there.
 */
export async function runBatch(deps: Deps, job: { broadcastId: number; page: number; round: number }): Promise<BatchOutcome> {
  const { broadcastId, page } = job;
  const tried = new Set<number>();
  for (;;) {
    const state = await broadcastState(deps, broadcastId);
    // Paused: the rest waits for a resume (a new round of jobs). Canceled: already marked. A job of
    // an older round ends too: the round a resume started has its own.
    if (!state || (state.status !== 'scheduled' && state.status !== 'sending') || job.round < state.sendRound) return { kind: 'done' };
    if (state.status === 'scheduled' && (await moveBroadcast(deps.db, broadcastId, ['scheduled'], { status: 'sending' }, isoNow(deps.clock)))) {
      forgetStatus(broadcastId);
      publishBroadcastLive(deps, broadcastId);
    }
    const waiting = await waitingOfPage(deps.db, broadcastId, page, FETCH);
    if (!waiting.length) {
      await settleBroadcast(deps, broadcastId);
      return { kind: 'done' };
    }
    const now = deps.clock.now();
    const due = waiting.filter((t) => !t.dueAt || Date.parse(t.dueAt) <= now);
    // Delays run on the real clock, offset from the business clock's now (as deliverMessage's holds).
    if (!due.length) return { kind: 'later', atMs: Date.now() + (Date.parse(waiting[0].dueAt!) - now) };
    const fresh = due.filter((t) => !tried.has(t.messageId));
    // Every due text was handed over once in this run and is waiting again (a passing refusal): later.
    if (!fresh.length) return { kind: 'later', atMs: Date.now() + 2000 };
    const wait = await sendSome(deps, fresh, tried, lanesFor(state.mps));
    publishBroadcastLive(deps, broadcastId);
    if (wait !== null) {
      const ms = wait - Date.now();
      if (ms > SHORT_WAIT_MS) return { kind: 'later', atMs: wait };
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    } else if (waiting.length === FETCH) {
      // A round done and more to come: the worker goes back to the queue, where another school's
      // broadcast (or this one's next fan-out page) may be waiting its turn (see enqueueBatch).
      return { kind: 'later', atMs: Date.now() };
    }
  }
}

/**
 * Hands texts over, several at once: returns when (epoch ms) the sender's pace says to try again,
 * or null. A lane the sender had no slot for stops, the others go on: the sends of every batch on
 * the sender (this page's, other pages', other workers') share its slots, so the lanes that stay
 * are about as many as it can keep busy, and the page is read again only when all have stopped.
 */
async function sendSome(deps: Deps, texts: QueuedText[], tried: Set<number>, lanes: number): Promise<number | null> {
  let next = 0;
  let wait: number | null = null;
  const lane = async () => {
    while (next < texts.length) {
      const t = texts[next++];
      const w = await sendOne(deps, t, tried);
      if (w !== null) {
        wait = wait === null ? w : Math.min(wait, w);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, texts.length) }, lane));
  return wait;
}

async function sendOne(deps: Deps, t: QueuedText, tried: Set<number>): Promise<number | null> {
  try {
    const out = await deliverMessage(deps, t.messageId, { paced: false, bulk: true, lastAttempt: t.attempts + 1 >= MAX_ATTEMPTS });
    if (out.kind === 'later' && out.bulkWait) return out.atMs;
    // Sent, blocked, failed for good, or held for quiet hours (it stays in this page, due when the hold ends).
    tried.add(t.messageId);
    return null;
  } catch (err) {
    if (!(err instanceof SendError) || !err.retryable) throw err;
    // Back in line ('queued') after a passing refusal: this run tries it no more; a later one does.
    tried.add(t.messageId);
    return null;
  }
}
