import type { Deps } from '../deps';
import type { ErrorAction, StatusUpdate } from '../channels/channel';
import { isoNow } from '../lib/clock';
import { maskPhone } from '../lib/phone';
import { recordStatusEvent, type MessageEventRow, type MessageRow, type StatusEvent, type StatusPatch } from '../../db/repositories/messages';
import { recordOptOut } from '../../db/repositories/opt-outs';
import type { EventSource } from '../../db/schema';
import { markNumberUnreachable } from '../../db/repositories/routing';
import { retryAfterCarrierFailure } from './carrier-retry';
import { isMessageStatus, movesForward } from './status';
import { publishLive } from './live';
import { noteBroadcastFailure } from '../reminders/guardrail';

/** The change a callback makes to a message: none when it is late, repeated or unknown. */
export function statusPatch(current: MessageRow, event: Pick<StatusEvent, 'status' | 'errorCode'>, at: string): StatusPatch | null {
  if (!isMessageStatus(event.status) || !movesForward(current.status, event.status)) return null;
  return { status: event.status, errorCode: event.errorCode ?? current.errorCode, updatedAt: at };
}

/** What a permanent error says about the number: opted out at the carrier, or unable to take texts. */
export async function applyCarrierAction(deps: Deps, action: ErrorAction, number: string, senderKey: string, code: number | null) {
  const at = isoNow(deps.clock);
  if (action === 'opt_out') {
    await recordOptOut(deps.db, { phoneNumber: number, sendingNumber: senderKey, keyword: null, source: 'carrier', at });
    deps.logger.info({ to: maskPhone(number), code }, 'carrier reports opt-out; recorded');
  } else if (action === 'landline' || action === 'invalid_number') {
    await markNumberUnreachable(deps.db, number);
    deps.logger.info({ to: maskPhone(number), code, action }, 'number cannot take texts; flagged');
  }
}

/**
 * What a failure the carrier reports means beyond the status: the number's opt-out or flag, and
 * another try for a passing failure. The same whether the callback came before or after the
 * send's own answer (see applyEarlyCallbacks).
 */
async function actOnCarrierFailure(deps: Deps, message: MessageRow, update: StatusUpdate, at: string): Promise<void> {
  await retryAfterCarrierFailure(deps, message, update, at);
  if (update.errorAction) await applyCarrierAction(deps, update.errorAction, message.toNumber, message.fromNumber, update.errorCode);
}

/**
 * Keeps every callback (and every lookup's answer, source 'lookup'); moves the message's status only
 * forward; a passing carrier failure is tried again later.
 */
export async function applyStatusCallback(
  deps: Deps,
  update: StatusUpdate,
  raw: Record<string, string>,
  receivedAt?: string,
  source: EventSource = 'callback',
): Promise<void> {
  const at = receivedAt ?? isoNow(deps.clock);
  const { message, applied } = await recordStatusEvent(
    deps.db,
    { providerSid: update.providerSid, status: update.status, errorCode: update.errorCode, raw: JSON.stringify(raw), at, source },
    (current, event) => statusPatch(current, event, at),
  );
  if (!message || !applied) return;
  publishLive(deps, { conversationId: message.conversationId, change: 'status' });
  await actOnCarrierFailure(deps, message, update, at);
  if (message.broadcastId !== null && update.errorCode !== null) await noteBroadcastFailure(deps, message.broadcastId, update.errorCode);
}

/**
 * Callbacks that arrived before the send's sid was stored, applied when it was (attachProviderSid):
 * each is read again from the form it came as, and acted on as if it had come after.
 */
export async function applyEarlyCallbacks(deps: Deps, message: MessageRow, early: Pick<MessageEventRow, 'raw' | 'at'>[]): Promise<void> {
  for (const ev of early) await actOnCarrierFailure(deps, message, deps.channel.parseStatus(JSON.parse(ev.raw)), ev.at);
}
