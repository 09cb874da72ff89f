import type { Clock } from '../../lib/clock';
import type { Logger } from '../../logger';
import { maskPhone } from '../../lib/phone';
import type { SimMessage, SimStatus, SimStore } from './store';
import { API_VERSION, CARRIER_ERRORS } from './twilio-json';
import { Semaphore, type WebhookClient } from './webhook';

export interface DeliveryOptions {
  store: SimStore;
  clock: Clock;
  logger: Logger;
  webhooks: WebhookClient;
}

interface SenderQueue {
  items: { m: SimMessage; acceptedAt: number; validityMs: number }[];
  /** Real time before which this sender may not release the next segment. */
  nextFreeAt: number;
  timer: NodeJS.Timeout | null;
}

// Twilio's default ValidityPeriod is its 10 h maximum; a text queued longer fails with 30001.
export const MAX_VALIDITY_S = 36_000;
const CALLBACK_RETRY_DELAYS_MS = [500, 2000];
const FINAL: ReadonlySet<SimStatus> = new Set(['delivered', 'undelivered', 'failed']);

/**
 * Carrier side of the simulator: per-sender MPS pacing (counted in segments, with real timers,
 * as Twilio queues beyond a sender's rate) and the signed status callbacks that follow.
 */
export class Delivery {
  /** Messages per second per sender; null = no pacing (benchmarks). */
  defaultMps: number | null = 1;
  readonly mpsBySender = new Map<string, number | null>();
  /** Time between "sent" and the final status, like a handset acknowledging. */
  deliveryDelayMs = 100;
  /**
   * Time the Messages API takes to answer a send it accepted, like a slow network: the carrier
   * is already at work, so status callbacks may reach the service before the send's answer.
   */
  apiDelayMs = 0;

  private readonly queues = new Map<string, SenderQueue>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakers = new Set<() => void>();
  private readonly posts = new Semaphore(64);
  private releaseSeq = 0;
  private closed = false;

  constructor(private readonly o: DeliveryOptions) {}

  mpsFor(sender: string): number | null {
    return this.mpsBySender.has(sender) ? this.mpsBySender.get(sender)! : this.defaultMps;
  }

  /** Queues an accepted message behind its sender's earlier ones. */
  enqueue(m: SimMessage, sender: string, validitySeconds = MAX_VALIDITY_S, acceptedAt = Date.now()): void {
    if (this.closed) return;
    let q = this.queues.get(sender);
    if (!q) this.queues.set(sender, (q = { items: [], nextFreeAt: 0, timer: null }));
    q.items.push({ m, acceptedAt, validityMs: validitySeconds * 1000 });
    if (!q.timer) this.schedule(sender, q, 0);
  }

  /** Pacing changed: wake every sender so the new rate applies to what is already queued. */
  repace(): void {
    for (const [sender, q] of this.queues) {
      if (q.timer) clearTimeout(q.timer);
      q.nextFreeAt = Math.min(q.nextFreeAt, Date.now());
      this.schedule(sender, q, 0);
    }
  }

  private schedule(sender: string, q: SenderQueue, ms: number): void {
    q.timer = setTimeout(() => this.drain(sender, q), ms);
  }

  private drain(sender: string, q: SenderQueue): void {
    q.timer = null;
    while (q.items.length && !this.closed) {
      const mps = this.mpsFor(sender);
      const now = Date.now();
      if (mps !== null && q.nextFreeAt > now) return this.schedule(sender, q, q.nextFreeAt - now);
      const { m, acceptedAt, validityMs } = q.items.shift()!;
      m.releasedAt = Math.max(now, q.nextFreeAt);
      m.releaseSeq = ++this.releaseSeq;
      q.nextFreeAt = mps === null ? now : m.releasedAt + (m.segments * 1000) / mps;
      this.deliver(m, now - acceptedAt > validityMs).catch((err) =>
        this.o.logger.error({ err, sid: m.sid }, 'sim delivery crashed'),
      );
    }
    // An idle sender is forgotten only once its rate window has passed, else the next text would jump it.
    if (!q.items.length && q.nextFreeAt <= Date.now()) this.queues.delete(sender);
  }

  private async deliver(m: SimMessage, expired: boolean): Promise<void> {
    if (expired) return this.transition(m, 'failed', 30001);
    await this.transition(m, 'sent');
    await this.sleep(this.deliveryDelayMs);
    if (this.closed) return;
    if (m.failWith !== null) {
      // Twilio reports an unregistered 10DLC sender as failed; other carrier errors as undelivered.
      await this.transition(m, m.failWith === 30034 ? 'failed' : 'undelivered', m.failWith);
    } else {
      await this.transition(m, 'delivered');
    }
  }

  private async transition(m: SimMessage, status: SimStatus, errorCode: number | null = null): Promise<void> {
    this.o.store.setStatus(m, status, this.o.clock.now(), errorCode, errorCode ? (CARRIER_ERRORS[errorCode] ?? 'Unknown error') : null);
    this.o.logger.debug({ sid: m.sid, to: maskPhone(m.to), status, errorCode }, 'sim message status');
    if (m.loseFinalCallback && FINAL.has(status)) {
      return void this.o.logger.info({ sid: m.sid, to: maskPhone(m.to), status }, 'sim lost the final status callback (failure injection)');
    }
    if (m.statusCallback) await this.callback(m, status, errorCode);
  }

  private async callback(m: SimMessage, status: SimStatus, errorCode: number | null): Promise<void> {
    const params: Record<string, string> = {
      AccountSid: m.accountSid,
      ApiVersion: API_VERSION,
      From: m.from,
      MessageSid: m.sid,
      MessageStatus: status,
      SmsSid: m.sid,
      SmsStatus: status,
      To: m.to,
      ...(m.messagingServiceSid ? { MessagingServiceSid: m.messagingServiceSid } : {}),
      ...(errorCode !== null ? { ErrorCode: String(errorCode) } : {}),
    };
    const url = m.statusCallback!;
    const token = `${m.sid}-${status}`;
    for (let attempt = 0; ; attempt++) {
      const r = await this.posts.run(() => this.o.webhooks.post(url, params, token));
      if (r.ok || this.closed) return;
      const retry = attempt < CALLBACK_RETRY_DELAYS_MS.length && (r.status === null || r.status >= 500 || r.status === 429);
      const log = { sid: m.sid, status, attempt: attempt + 1, httpStatus: r.status, error: r.error };
      if (!retry) return void this.o.logger.error(log, 'sim status callback failed; giving up');
      this.o.logger.warn(log, 'sim status callback failed; will retry');
      await this.sleep(CALLBACK_RETRY_DELAYS_MS[attempt]);
      if (this.closed) return;
    }
  }

  /** Waits out apiDelayMs before an accepted send is answered. */
  answerDelay(): Promise<void> {
    return this.sleep(this.apiDelayMs);
  }

  /**
   * A timer close() can cut short, so nothing keeps the process alive after it. Once closed, no
   * wait starts: a callback still in flight at close (a text's "sent") would otherwise set off
   * the wait before its final status after close had cleared the timers.
   */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.wakers.delete(resolve);
        resolve();
      }, ms);
      this.timers.add(t);
      this.wakers.add(resolve);
    });
  }

  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) if (q.timer) clearTimeout(q.timer);
    this.queues.clear();
    for (const t of this.timers) clearTimeout(t);
    for (const wake of this.wakers) wake();
    this.timers.clear();
    this.wakers.clear();
  }
}
