import type { Deps } from '../deps';

/**
 * A broadcast's progress for the console's open pages, on its own Redis channel beside the
 * conversations' (src/messaging/live.ts), so a page showing one broadcast refreshes without a
 * reload. Published per batch step and per status change, not per text, and best effort like
 * the inbox's: the database is the truth and a page reads it again on every event.
 */
export const broadcastLiveChannel = (queuePrefix: string) => `${queuePrefix}:console:broadcasts`;

export function publishBroadcastLive(deps: Pick<Deps, 'redis' | 'config' | 'logger'>, broadcastId: number): void {
  deps.redis.publish(broadcastLiveChannel(deps.config.queuePrefix), JSON.stringify({ broadcastId })).catch((err: Error) => {
    deps.logger.warn({ err: err.message, broadcastId }, 'live broadcast event not published');
  });
}

export function parseBroadcastLiveEvent(raw: string): { broadcastId: number } | null {
  try {
    const v = JSON.parse(raw) as { broadcastId?: unknown };
    return typeof v.broadcastId === 'number' ? { broadcastId: v.broadcastId } : null;
  } catch {
    return null; // not ours: ignored
  }
}
