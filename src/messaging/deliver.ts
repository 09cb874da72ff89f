import type { Deps } from '../deps';
import { SendError, type SendResult } from '../channels/channel';
import { isoNow } from '../lib/clock';
import { maskPhone } from '../lib/phone';
import { whenWritable } from '../../db/client';
import { attachProviderSid, claimForSend, getMessage, releaseClaim, unclaim, updateUnsent, type MessageRow } from '../../db/repositories/messages';
import { depart, reserveSendSlot, takeBulkSlot, type Slot } from './pacing';
import { decideSend } from './policy';
import { loadSendContext, type SendContext } from './send-context';
import { applyCarrierAction, applyEarlyCallbacks, statusPatch } from './status-callback';
import { publishLive } from './live';
import { broadcastMayGo, noteBroadcastFailure } from '../reminders/guardrail';

export type DeliverOutcome =
  | { kind: 'done'; status: string }
  /** Try again at `atMs` (real time): held for quiet hours, or waiting for its paced slot. */
  | { kind: 'later'; atMs: number; paced: boolean; bulkWait?: boolean }
  | { kind: 'failed'; code: number | null; message: string };

const SENDABLE = new Set(['queued', 'held']);

/**
 * A wait for the sender's pace up to this long (ms) is slept by the send itself with the text it
 * has read; a longer one frees the worker (the job moves to delayed). Kept short because the
 * policy was decided before it: a text does not leave on a decision older than about a second.
 */
const WAIT_IN_PLACE_MS = 1000;

const sleepUntil = async (atMs: number) => {
  const ms = atMs - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, Math.ceil(ms)));
};

/**
 * How long a send may hold its claim on a message before its worker is taken for dead: well past
 * the carrier's answer (the SDK gives up after 15 s) and the wait to store its sid through a
 * roster import's lock (whenWritable gives up after 2 min).
 */
export const SEND_CLAIM_LEASE_MS = 5 * 60_000;

/**
 * Sends one stored message if the policy still allows it. Throws a retryable SendError for
 * the queue's backoff; returns 'failed' for a permanent one (never retried).
 *
 * The message is claimed (status 'sending', see claimForSend) before the channel is called, so a
 * second job for it, or the same job run again after its worker died, sends nothing: the carrier
 * has no idempotency key, and only the claim keeps a text from reaching a phone twice.
 */
export async function deliverMessage(
  deps: Deps,
  messageId: number,
  /** bulk: a broadcast's batch send, which reserves its slot at most BULK_LOOKAHEAD_MS ahead (pacing.ts). */
  opts: { paced: boolean; lastAttempt: boolean; bulk?: boolean },
): Promise<DeliverOutcome> {
  const loaded = await loadSendContext(deps, messageId);
  if (!loaded || !SENDABLE.has(loaded.message.status)) return { kind: 'done', status: loaded?.message.status ?? 'missing' };
  const { message, ctx } = loaded;
  const now = deps.clock.now();
  const at = isoNow(deps.clock);
  const decision = decideSend(message, ctx.policy, now);
  if (decision.action === 'block') {
    // The reason is kept only when it is not the usual opt-out (a reminder to a family that paused).
    if (await updateUnsent(deps.db, message.id, { status: 'blocked', ...(decision.reason !== 'opted_out' ? { failureReason: decision.reason } : {}), updatedAt: at })) {
      deps.logger.info({ messageId, to: maskPhone(message.toNumber), reason: decision.reason }, 'send blocked');
      publishLive(deps, { conversationId: message.conversationId, change: 'status' });
    }
    return { kind: 'done', status: 'blocked' };
  }
  if (decision.action === 'hold') {
    const scheduledFor = new Date(decision.untilMs).toISOString();
    if (message.status !== 'held' || message.scheduledFor !== scheduledFor) {
      if (!(await updateUnsent(deps.db, message.id, { status: 'held', scheduledFor, updatedAt: at }))) return currentStatus(deps, messageId);
    }
    return { kind: 'later', atMs: Date.now() + (decision.untilMs - now), paced: false };
  }
  if (message.broadcastId !== null && !(await broadcastMayGo(deps, message.broadcastId))) return { kind: 'done', status: message.status };
  // A broadcast's text is bulk work wherever it is sent from (its batch, a carrier retry's send job).
  // Pacing is about real throughput, so it runs on the real clock, not the business clock.
  const bulk = opts.bulk || message.broadcastId !== null;
  const [prefix, senderKey, segments, mps] = [deps.config.queuePrefix, ctx.sender.key, message.segments ?? 1, ctx.school?.mps ?? 1];
  const reserve = () => reserveSendSlot(deps.redis, prefix, senderKey, segments, mps, Date.now());
  /** The next slot of this kind of send: a reply's, however far ahead; a bulk text's only within WAIT_IN_PLACE_MS, else when to try again. */
  const nextSlot = (): Promise<Slot | { retryAtMs: number }> => (bulk ? bulkSlot(deps, ctx, message, Date.now() + WAIT_IN_PLACE_MS) : reserve());
  let slot: Slot | null = null;
  if (!bulk && !opts.paced) {
    slot = await reserve();
    if (slot.startMs > Date.now() + WAIT_IN_PLACE_MS) return { kind: 'later', atMs: slot.startMs, paced: true };
  }
  const claimed = await claimForSend(deps.db, message.id, new Date(now + SEND_CLAIM_LEASE_MS).toISOString(), at);
  if (!claimed) {
    deps.logger.info({ messageId }, 'message already claimed by another send; not sent again');
    return currentStatus(deps, messageId);
  }
  if (bulk) {
    // Claimed before it asks for its slot, so the claim's write, however slow, is done when the
    // slot comes (at most BULK_LOOKAHEAD_MS ahead); should this process die while it waits, the
    // text is one in flight (see SEND_CLAIM_LEASE_MS). No slot soon: the claim is given back and
    // nothing was reserved, so `paced` stays false: the next try takes a slot again.
    const got = await nextSlot();
    if (!('startMs' in got)) return giveBack(deps, message, got.retryAtMs, at);
    slot = got;
  }
  if (slot) {
    await sleepUntil(slot.startMs);
    // Past its slot (this process was held up), the text leaves if the sender's last second has
    // room, else takes another slot rather than crowd the next ones.
    while (!(await depart(deps.redis, prefix, senderKey, slot, segments, mps, Date.now(), `${message.id}@${message.attempts}`))) {
      const got = await nextSlot();
      if (!('startMs' in got)) return giveBack(deps, message, got.retryAtMs, at);
      slot = got;
      await sleepUntil(slot.startMs);
    }
  }
  let result: SendResult;
  try {
    result = await deps.channel.send({
      to: message.toNumber,
      from: ctx.sender.from,
      messagingServiceSid: ctx.sender.messagingServiceSid,
      body: message.body,
      statusCallback: `${deps.config.publicBaseUrl}/webhooks/twilio/status`,
    });
  } catch (err) {
    if (!(err instanceof SendError)) throw err;
    const base = { messageId, to: maskPhone(message.toNumber), code: err.code, retryable: err.retryable };
    const retry = err.retryable && !opts.lastAttempt;
    if (!(await releaseClaim(deps.db, message.id, { status: retry ? 'queued' : 'failed', errorCode: err.code, updatedAt: at }))) {
      deps.logger.warn(base, 'send refused after its claim had lapsed; the message keeps the state it was given');
      return currentStatus(deps, messageId);
    }
    if (retry) {
      deps.logger.warn(base, 'send failed, will retry');
      throw err;
    }
    await applyCarrierAction(deps, err.action, message.toNumber, ctx.sender.key, err.code);
    deps.logger.warn(base, 'send failed permanently');
    if (message.broadcastId !== null && err.code !== null) await noteBroadcastFailure(deps, message.broadcastId, err.code);
    publishLive(deps, { conversationId: message.conversationId, change: 'status' });
    return { kind: 'failed', code: err.code, message: err.message };
  }
  // The carrier has the text now: its sid must be stored, even if that means waiting out a
  // roster import's lock. Should this process die first, the claim keeps any other job from
  // sending it again and, once it lapses, the message ends failed for staff to see (see recover.ts).
  const { message: stored, early } = await whenWritable(() =>
    attachProviderSid(
      deps.db,
      message.id,
      { providerSid: result.providerSid, sentAt: at, segments: result.segments ?? message.segments, updatedAt: at },
      (current, event) => statusPatch(current, event, at),
    ),
  );
  deps.logger.info({ messageId, to: maskPhone(message.toNumber), providerSid: result.providerSid }, 'sent to provider');
  await applyEarlyCallbacks(deps, stored, early);
  publishLive(deps, { conversationId: message.conversationId, change: 'status' });
  return { kind: 'done', status: stored.status };
}

/** A bulk send's slot, asking again (as pacing.ts says when) until `deadline`; past it, when to try again. */
async function bulkSlot(deps: Deps, ctx: SendContext, message: MessageRow, deadline: number): Promise<Slot | { retryAtMs: number }> {
  for (;;) {
    const got = await takeBulkSlot(deps.redis, deps.config.queuePrefix, ctx.sender.key, message.segments ?? 1, ctx.school?.mps ?? 1, Date.now());
    if ('startMs' in got || got.retryAtMs > deadline) return got;
    await sleepUntil(got.retryAtMs);
  }
}

/** A bulk send that found no slot soon enough: its claim given back, it tries again at `atMs`. */
async function giveBack(deps: Deps, message: MessageRow, atMs: number, at: string): Promise<DeliverOutcome> {
  if (!(await unclaim(deps.db, message.id, message.status === 'held' ? 'held' : 'queued', at))) {
    deps.logger.warn({ messageId: message.id }, 'claim lapsed while waiting for a sending slot; the message keeps the state it was given');
    return currentStatus(deps, message.id);
  }
  return { kind: 'later', atMs, paced: false, bulkWait: true };
}

async function currentStatus(deps: Deps, messageId: number): Promise<DeliverOutcome> {
  return { kind: 'done', status: (await getMessage(deps.db, messageId))?.status ?? 'missing' };
}
