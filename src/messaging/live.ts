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

export function publishLive(deps: Pick<Deps, 'redis' | 'config' | 'logger'>, event: LiveEvent): void {
  // Not awaited: a text's webhook or send never waits on an inbox refresh.
  deps.redis.publish(liveChannel(deps.config.queuePrefix), JSON.stringify(event)).catch((err: Error) => {
    deps.logger.warn({ err: err.message, conversationId: event.conversationId }, 'live console event not published');
  });
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
