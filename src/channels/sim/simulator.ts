import express from 'express';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../logger';
import type { SimContext } from './context';
import { messagesApi } from './api';
import { controlApi } from './control';
import { Delivery } from './delivery';
import type { SimDirectory } from './directory';
import { textService, type InboundResult } from './inbound';
import { PHONE_PAGE } from './phone-ui';
import type { SimHistory } from './history';
import { SimStore, type SimMessage } from './store';
import { WebhookClient } from './webhook';

export interface SimulatorOptions {
  accountSid: string;
  authToken: string;
  /** The service's public URL: inbound webhooks are signed for `${publicBaseUrl}/webhooks/twilio/sms`. */
  publicBaseUrl: string;
  /** Timestamps only; pacing runs on real timers. */
  clock: Clock;
  logger: Logger;
  /** Keeps the phones' messages across a restart; without it the simulator starts empty. */
  history?: SimHistory;
  /** The number the service sends from by default (TWILIO_FROM): the phone page fills it in as "To". */
  serviceNumber?: string | null;
}

/** A Twilio-compatible carrier in-process: Messages API, signed callbacks, pacing, a web phone. */
export interface Simulator {
  /** Mount at /sim. */
  router: express.Router;
  /** Takes back the kept history (before serving) and finishes delivering what it had not settled. */
  restore(): Promise<void>;
  /** Deliver webhooks to this local base (path and query kept) while signing the public URL. */
  setWebhookBase(url: string): void;
  /** Parents' phones for the phone page to list (runtime wiring supplies one when a database is at hand). */
  setDirectory(directory: SimDirectory | null): void;
  /** Messages per second per sender, counted in segments; null switches pacing off. With `from`, for that sender only. */
  setPacing(mps: number | null, from?: string): void;
  /** Time between "sent" and the final status callback. */
  setDeliveryDelay(ms: number): void;
  /** The next `times` sends to `to` fail with `errorCode` (undefined = always; 0 clears). */
  injectFailure(to: string, errorCode: number, times?: number): void;
  clearFailures(): void;
  /** Texts the service as `from` (Twilio's keyword handling, then the signed webhook). */
  inbound(from: string, to: string, body: string): Promise<InboundResult>;
  /** What a phone was sent, oldest first. */
  messagesTo(phone: string): SimMessage[];
  /** Both directions for one phone, oldest first. */
  thread(phone: string): SimMessage[];
  message(sid: string): SimMessage | undefined;
  close(): Promise<void>;
}

const UNSETTLED: ReadonlySet<string> = new Set(['queued', 'sending', 'sent']);

export function createSimulator(opts: SimulatorOptions): Simulator {
  const logger = opts.logger.child({ component: 'sim' });
  const store = new SimStore(opts.history ?? null);
  let localBase: string | null = null;
  const webhooks = new WebhookClient(opts.authToken, () => localBase);
  const delivery = new Delivery({ store, clock: opts.clock, logger, webhooks });
  const ctx: SimContext = {
    accountSid: opts.accountSid,
    authToken: opts.authToken,
    publicBaseUrl: opts.publicBaseUrl.replace(/\/+$/, ''),
    clock: opts.clock,
    logger,
    store,
    delivery,
    webhooks,
    serviceNumber: opts.serviceNumber ?? null,
    directory: null,
  };

  const router = express.Router();
  router.get('/', (_req, res) => {
    res.set('cache-control', 'no-store').type('html').send(PHONE_PAGE);
  });
  router.use('/api', controlApi(ctx));
  router.use(messagesApi(ctx));

  return {
    router,
    async restore() {
      if (!opts.history) return;
      const saved = await opts.history.load();
      store.restore(saved);
      // The carrier keeps going after a restart: what it had taken but not settled still goes out.
      const unsettled = saved.filter((m) => m.direction === 'outbound' && m.origin === 'api' && UNSETTLED.has(m.status));
      for (const m of unsettled) delivery.enqueue(m, m.messagingServiceSid ?? m.from);
      logger.info({ messages: saved.length, resumed: unsettled.length }, 'sim history restored');
    },
    setWebhookBase(url) {
      localBase = url.replace(/\/+$/, '');
    },
    setDirectory(directory) {
      ctx.directory = directory;
    },
    setPacing(mps, from) {
      if (from) delivery.mpsBySender.set(from, mps);
      else delivery.defaultMps = mps;
      delivery.repace();
    },
    setDeliveryDelay(ms) {
      delivery.deliveryDelayMs = ms;
    },
    injectFailure(to, errorCode, times) {
      if (times === 0) store.failures.delete(to);
      else store.failures.set(to, { errorCode, remaining: times ?? null });
    },
    clearFailures: () => store.failures.clear(),
    inbound: (from, to, body) => textService(ctx, from, to, body),
    messagesTo: (phone) => store.sentTo(phone),
    thread: (phone) => store.thread(phone),
    message: (sid) => store.get(sid),
    async close() {
      delivery.close();
      webhooks.close();
      await opts.history?.flush();
    },
  };
}
