import type { RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Deps } from '../../deps';
import { liveChannel, parseLiveEvent, type LiveEvent } from '../../messaging/live';
import { canSeeConversation } from '../../staff/inbox';
import { broadcastLiveChannel, parseBroadcastLiveEvent } from '../../reminders/live';
import { canSeeBroadcast } from '../../reminders/broadcasts';
import type { StaffPrincipal } from '../../staff/scope';
import { staffOf } from '../middleware/auth';

/**
 * GET /console/events: server-sent events telling an open page that a conversation it may show
 * changed (a new text, a status, an assignment), or a broadcast it may show made progress. The page then fetches its own HTML again, so the
 * event carries no message text and every rule of who sees what stays on the page routes. One
 * Redis subscriber per web process serves all its browsers; events come from any host.
 */

const HEARTBEAT_MS = 25_000;

interface Client {
  who: StaffPrincipal;
  res: Response;
}

export function liveEvents(deps: Deps): { route: RequestHandler; close(): Promise<void> } {
  const clients = new Set<Client>();
  let subscriber: Redis | null = null;
  let heartbeat: NodeJS.Timeout | null = null;

  const dispatch = async (event: LiveEvent) => {
    for (const c of clients) {
      try {
        if (await canSeeConversation(deps, c.who, event.conversationId)) {
          c.res.write(`event: conversation\ndata: ${JSON.stringify(event)}\n\n`);
        }
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message, conversationId: event.conversationId }, 'live event not delivered to a console page');
      }
    }
  };

  const dispatchBroadcast = async (broadcastId: number) => {
    for (const c of clients) {
      try {
        if (await canSeeBroadcast(deps, c.who, broadcastId)) c.res.write(`event: broadcast\ndata: ${JSON.stringify({ broadcastId })}\n\n`);
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message, broadcastId }, 'live broadcast event not delivered to a console page');
      }
    }
  };

  const start = async () => {
    if (subscriber) return;
    subscriber = deps.redis.duplicate();
    subscriber.on('error', (err) => deps.logger.warn({ err: err.message }, 'console live subscriber error'));
    const broadcasts = broadcastLiveChannel(deps.config.queuePrefix);
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel === broadcasts) {
        const b = parseBroadcastLiveEvent(raw);
        if (b) void dispatchBroadcast(b.broadcastId);
        return;
      }
      const event = parseLiveEvent(raw);
      if (event) void dispatch(event);
    });
    await subscriber.subscribe(liveChannel(deps.config.queuePrefix), broadcasts);
    heartbeat = setInterval(() => {
      for (const c of clients) c.res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
  };

  const route: RequestHandler = async (req, res) => {
    const who = staffOf(req);
    await start();
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    const client = { who, res };
    clients.add(client);
    req.on('close', () => clients.delete(client));
  };

  return {
    route,
    async close() {
      if (heartbeat) clearInterval(heartbeat);
      for (const c of clients) c.res.end();
      clients.clear();
      if (subscriber) {
        const s = subscriber;
        subscriber = null;
        if (s.status === 'ready') await s.quit();
        else s.disconnect();
      }
    },
  };
}
