import type { Deps } from '../deps';
import type { ErrorAction, StatusUpdate } from '../channels/channel';
import { isoNow } from '../lib/clock';
import { maskPhone } from '../lib/phone';
import { recordStatusEvent, type MessageRow, type StatusEvent, type StatusPatch } from '../../db/repositories/messages';
import { recordOptOut } from '../../db/repositories/opt-outs';
import type { EventSource } from '../../db/schema';
import { markNumberUnreachable } from '../../db/repositories/routing';
import { retryAfterCarrierFailure } from './carrier-retry';
import { isMessageStatus, movesForward } from './status';

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
  if (update.errorAction) await applyCarrierAction(deps, update.errorAction, message.toNumber, message.fromNumber, update.errorCode);
  await retryAfterCarrierFailure(deps, message, update, at);
}
