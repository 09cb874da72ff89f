import type { Deps } from '../deps';
import { SendError } from '../channels/channel';
import { isoNow } from '../lib/clock';
import { recordStatusEvent, unsettledOutbound } from '../../db/repositories/messages';
import { applyStatusCallback } from './status-callback';

/** Final callbacks come within minutes; a text quiet for this long has probably lost its own. */
export const LOOKUP_AFTER_MS = 30 * 60_000;
// Older texts are left alone: the provider will not settle them now, and the first run after an
// upgrade must not ask about a whole history of texts that never got a delivery receipt.
const LOOKUP_WITHIN_MS = 2 * 24 * 60 * 60_000;
// Lookups are API calls against the account's rate limit; the next tick takes the rest.
const LOOKUPS_PER_TICK = 100;

/**
 * Callbacks get lost, and a process can die between the carrier's answer and its callback: a
 * text left in queued, sending or sent for 30 minutes is looked up at the provider and takes the
 * status it has there, through the same path as a callback (only forward, carrier failures
 * retried), kept as an event with source 'lookup' that staff see on the message.
 */
export async function lookUpUnsettled(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const due = await unsettledOutbound(
    deps.db,
    new Date(now - LOOKUP_AFTER_MS).toISOString(),
    new Date(now - LOOKUP_WITHIN_MS).toISOString(),
    LOOKUPS_PER_TICK,
  );
  let lookedUp = 0;
  for (const { id, providerSid } of due) {
    const at = isoNow(deps.clock);
    try {
      const { update, raw } = await deps.channel.fetchStatus(providerSid);
      await applyStatusCallback(deps, update, raw, at, 'lookup');
    } catch (err) {
      if (!(err instanceof SendError)) throw err;
      if (err.retryable) {
        // The provider is down or throttling: every other lookup would fail the same way now.
        deps.logger.warn({ messageId: id, code: err.code, httpStatus: err.httpStatus }, 'status lookups paused until the next tick');
        break;
      }
      // The provider cannot say (e.g. 20404, it no longer has the text): kept, so staff see it and it is not asked again.
      const raw = JSON.stringify({ error: err.message, code: err.code, httpStatus: err.httpStatus });
      await recordStatusEvent(deps.db, { providerSid, status: 'unknown', errorCode: err.code, raw, at, source: 'lookup' }, () => null);
      deps.logger.warn({ messageId: id, code: err.code }, 'provider could not tell the status of a text');
    }
    lookedUp++;
  }
  if (lookedUp) deps.logger.info({ lookedUp }, 'looked up texts whose final status never came');
  return lookedUp;
}
