import type { Deps } from '../deps';
import { SendError } from '../channels/channel';
import { isoNow } from '../lib/clock';
import { maskPhone } from '../lib/phone';
import { whenWritable } from '../../db/client';
import { attachProviderSid, getMessage, updateMessage } from '../../db/repositories/messages';
import { reserveSendSlot } from './pacing';
import { decideSend } from './policy';
import { loadSendContext } from './send-context';
import { applyCarrierAction, statusPatch } from './status-callback';

export type DeliverOutcome =
  | { kind: 'done'; status: string }
  /** Try again at `atMs` (real time): held for quiet hours, or waiting for its paced slot. */
  | { kind: 'later'; atMs: number; paced: boolean }
  | { kind: 'failed'; code: number | null; message: string };

const SENDABLE = new Set(['queued', 'held']);

/**
 * Sends one stored message if the policy still allows it. Throws a retryable SendError for
 * the queue's backoff; returns 'failed' for a permanent one (never retried).
 */
export async function deliverMessage(
  deps: Deps,
  messageId: number,
  opts: { paced: boolean; lastAttempt: boolean },
): Promise<DeliverOutcome> {
  const message = await getMessage(deps.db, messageId);
  if (!message || !SENDABLE.has(message.status)) return { kind: 'done', status: message?.status ?? 'missing' };
  const ctx = await loadSendContext(deps, message);
  const now = deps.clock.now();
  const at = isoNow(deps.clock);
  const decision = decideSend(message, ctx.policy, now);
  if (decision.action === 'block') {
    await updateMessage(deps.db, message.id, { status: 'blocked', updatedAt: at });
    deps.logger.info({ messageId, to: maskPhone(message.toNumber), reason: decision.reason }, 'send blocked');
    return { kind: 'done', status: 'blocked' };
  }
  if (decision.action === 'hold') {
    const scheduledFor = new Date(decision.untilMs).toISOString();
    if (message.status !== 'held' || message.scheduledFor !== scheduledFor) {
      await updateMessage(deps.db, message.id, { status: 'held', scheduledFor, updatedAt: at });
    }
    return { kind: 'later', atMs: Date.now() + (decision.untilMs - now), paced: false };
  }
  if (!opts.paced) {
    // Pacing is about real throughput, so it runs on the real clock, not the business clock.
    const realNow = Date.now();
    const slot = await reserveSendSlot(deps.redis, deps.config.queuePrefix, ctx.sender.key, message.segments ?? 1, ctx.school?.mps ?? 1, realNow);
    if (slot > realNow + 5) return { kind: 'later', atMs: slot, paced: true };
  }
  try {
    const result = await deps.channel.send({
      to: message.toNumber,
      from: ctx.sender.from,
      messagingServiceSid: ctx.sender.messagingServiceSid,
      body: message.body,
      statusCallback: `${deps.config.publicBaseUrl}/webhooks/twilio/status`,
    });
    // The carrier has the text now: its sid must be stored, even if that means waiting out a
    // roster import's lock, or the job's retry would send it twice.
    const stored = await whenWritable(() =>
      attachProviderSid(
        deps.db,
        message.id,
        {
          providerSid: result.providerSid,
          status: 'queued',
          scheduledFor: null,
          sentAt: at,
          attempts: message.attempts + 1,
          segments: result.segments ?? message.segments,
          updatedAt: at,
        },
        (current, event) => statusPatch(current, event, at),
      ),
    );
    deps.logger.info({ messageId, to: maskPhone(message.toNumber), providerSid: result.providerSid }, 'sent to provider');
    return { kind: 'done', status: stored.status };
  } catch (err) {
    if (!(err instanceof SendError)) throw err;
    const base = { messageId, to: maskPhone(message.toNumber), code: err.code, retryable: err.retryable };
    if (err.retryable && !opts.lastAttempt) {
      await updateMessage(deps.db, message.id, { attempts: message.attempts + 1, errorCode: err.code, updatedAt: at });
      deps.logger.warn(base, 'send failed, will retry');
      throw err;
    }
    await updateMessage(deps.db, message.id, { status: 'failed', errorCode: err.code, attempts: message.attempts + 1, updatedAt: at });
    await applyCarrierAction(deps, err.action, message.toNumber, ctx.sender.key, err.code);
    deps.logger.warn(base, 'send failed permanently');
    return { kind: 'failed', code: err.code, message: err.message };
  }
}
