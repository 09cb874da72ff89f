import type { Deps } from '../deps';

/**
 * Live changes to conversations, for the console's open pages. Published on Redis pub/sub, so a
 * text stored by a worker on one host reaches a browser connected to a web host anywhere.
 * Best effort by design: the database is the truth and a page reads it again on every event, so a
 * lost event only means a page a moment stale until the next one (or a reload).
 */

export type LiveChange = 'message' | 'status' | 'assigned';

export interface LiveEvent {
  conversationId: number;
  change: LiveChange;
}

export const liveChannel = (queuePrefix: string) => `${queuePrefix}:console:live`;

const unpublished = new WeakMap<Deps['redis'], { channel: string; event: LiveEvent }[]>();

/**
 * Not awaited: a text's webhook or send never waits on an inbox refresh. The events of one turn
 * of the event loop go to Redis in one pipeline (one write for a burst of webhooks, not one each).
 */
export function publishLive(deps: Pick<Deps, 'redis' | 'config' | 'logger'>, event: LiveEvent): void {
  const item = { channel: liveChannel(deps.config.queuePrefix), event };
  const queued = unpublished.get(deps.redis);
  if (queued) return void queued.push(item);
  const events = [item];
  unpublished.set(deps.redis, events);
  setImmediate(() => {
    unpublished.delete(deps.redis);
    const pipeline = deps.redis.pipeline();
    for (const e of events) pipeline.publish(e.channel, JSON.stringify(e.event));
    pipeline.exec().then(
      (results) => results?.forEach(([err], i) => err && notPublished(deps, events[i].event, err)),
      (err: Error) => events.forEach((e) => notPublished(deps, e.event, err)),
    );
  });
}

function notPublished(deps: Pick<Deps, 'logger'>, event: LiveEvent, err: Error): void {
  deps.logger.warn({ err: err.message, conversationId: event.conversationId }, 'live console event not published');
}

export function parseLiveEvent(raw: string): LiveEvent | null {
  try {
    const v = JSON.parse(raw) as Partial<LiveEvent>;
    if (typeof v.conversationId === 'number' && (v.change === 'message' || v.change === 'status' || v.change === 'assigned')) {
      return { conversationId: v.conversationId, change: v.change };
    }
  } catch {
    return null; // not ours (another tool on the channel): ignored
  }
  return null;
}
