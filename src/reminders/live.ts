import type { Deps } from '../deps';

/**
 * A broadcast's progress for the console's open pages, on its own Redis channel beside the
 * conversations' (src/messaging/live.ts) and sent to browsers by the same event stream
 * (src/http/console/events.ts, event "broadcast"), so a page showing one refreshes without a
 * reload. Best effort like the inbox's: the database is the truth and a page reads it again on
 * every event. At most one event per broadcast and process each THROTTLE_MS (the last change
 * always gets one), so 50,000 texts do not become 50,000 page refreshes.
 */
export const broadcastLiveChannel = (queuePrefix: string) => `${queuePrefix}:console:broadcasts`;

const THROTTLE_MS = 500;
const lastSent = new Map<number, number>();
const pending = new Map<number, NodeJS.Timeout>();

export function publishBroadcastLive(deps: Pick<Deps, 'redis' | 'config' | 'logger'>, broadcastId: number): void {
  if (pending.has(broadcastId)) return;
  const send = () => {
    pending.delete(broadcastId);
    lastSent.set(broadcastId, Date.now());
    if (lastSent.size > 1000) for (const [id, at] of lastSent) if (at < Date.now() - THROTTLE_MS) lastSent.delete(id);
    // Not awaited: a send never waits on a page refresh.
    deps.redis.publish(broadcastLiveChannel(deps.config.queuePrefix), JSON.stringify({ broadcastId })).catch((err: Error) => {
      deps.logger.warn({ err: err.message, broadcastId }, 'live broadcast event not published');
    });
  };
  const wait = (lastSent.get(broadcastId) ?? 0) + THROTTLE_MS - Date.now();
  if (wait <= 0) return send();
  const timer = setTimeout(send, wait);
  timer.unref();
  pending.set(broadcastId, timer);
}

export function parseBroadcastLiveEvent(raw: string): { broadcastId: number } | null {
  try {
    const v = JSON.parse(raw) as { broadcastId?: unknown };
    return typeof v.broadcastId === 'number' ? { broadcastId: v.broadcastId } : null;
  } catch {
    return null; // not ours: ignored
  }
}
