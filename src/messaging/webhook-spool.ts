/**
 * Twilio does not retry a webhook that failed: a 500 would lose the text. When the database
 * cannot take a webhook right now (another process holds its one write lock, e.g. a roster
 * import's transaction), the webhook is kept in Redis and answered as received; the inbound
 * worker applies it as soon as the database is free, with the time it arrived.
 */
import { isDatabaseBusy } from '../../db/client';
import type { Deps } from '../deps';
import { isoNow } from '../lib/clock';
import { maskPhone } from '../lib/phone';
import type { Webhook } from '../queue/names';
import { spoolWebhook } from '../queue/queues';
import { receiveInbound } from './inbound';
import { applyStatusCallback } from './status-callback';

/** Applies a webhook: stores the text or the status, as of when it arrived. */
export async function applyWebhook(deps: Deps, w: Webhook, receivedAt?: string): Promise<void> {
  if (w.kind === 'sms') await receiveInbound(deps, w.sms, receivedAt);
  else await applyStatusCallback(deps, w.update, w.params, receivedAt);
}

/** Applies a webhook now or, when the database is busy, keeps it for the worker. */
export async function applyOrSpool(deps: Deps, w: Webhook): Promise<'applied' | 'spooled'> {
  const receivedAt = isoNow(deps.clock);
  try {
    await applyWebhook(deps, w);
    return 'applied';
  } catch (err) {
    if (!isDatabaseBusy(err)) throw err;
    await spoolWebhook(deps.queues, { ...w, receivedAt });
    const from = w.kind === 'sms' ? maskPhone(w.sms.from) : undefined;
    deps.logger.warn({ kind: w.kind, from }, 'database busy: webhook kept for the worker');
    return 'spooled';
  }
}
