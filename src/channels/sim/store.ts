import { standardKeyword } from './keywords';

/**
 * All simulator state, in memory. Its messages are also handed to a recorder (SimHistory) so a
 * restarted simulator gets its phones back; settings and failure injections start afresh.
 */

export type SimStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'receiving' | 'received';

export interface SimMessage {
  sid: string;
  direction: 'outbound' | 'inbound';
  /** api = sent by the service; auto = the simulator's own STOP/START/HELP reply; phone = typed on a phone. */
  origin: 'api' | 'auto' | 'phone';
  accountSid: string;
  from: string;
  to: string;
  body: string;
  segments: number;
  messagingServiceSid: string | null;
  statusCallback: string | null;
  status: SimStatus;
  errorCode: number | null;
  errorMessage: string | null;
  /** Carrier error this message will fail with at delivery (failure injection). */
  failWith: number | null;
  /** Delivered, but its final status callback is lost on the way (failure injection). */
  loseFinalCallback: boolean;
  /** Clock time (injected clock) of creation and of the last status change. */
  createdAt: number;
  updatedAt: number;
  /** Real time (Date.now) at which pacing let it leave the queue; lets tests check MPS without timing. */
  releasedAt: number | null;
  /** Order in which messages left their sender's queue, across the whole simulator. */
  releaseSeq: number | null;
  events: { status: SimStatus; errorCode: number | null; at: number }[];
}

export interface Failure {
  errorCode: number;
  /** How many more sends fail; null = every send until cleared. */
  remaining: number | null;
}

// A benchmark may push hundreds of thousands of texts; beyond this the oldest are forgotten.
const MAX_MESSAGES = 200_000;

/** Where every change to a message goes as it happens (see history.ts). */
export interface SimRecorder {
  record(m: SimMessage): void;
}

export class SimStore {
  readonly messages = new Map<string, SimMessage>();
  private readonly threads = new Map<string, SimMessage[]>();
  private readonly serviceNumbers = new Map<string, number>();
  private readonly optOuts = new Set<string>();
  readonly failures = new Map<string, Failure>();
  /** Number → how many more texts to it lose their final status callback (null = all until cleared). */
  readonly lostCallbacks = new Map<string, number | null>();
  /** Pool number → messaging service, so a reply to it carries MessagingServiceSid as Twilio's does. */
  readonly servicesByNumber = new Map<string, string>();

  constructor(private readonly recorder: SimRecorder | null = null) {}

  add(m: SimMessage): void {
    this.index(m);
    this.recorder?.record(m);
  }

  /**
   * Takes back messages a recorder kept, oldest first, without recording them again. Opt-outs and
   * pool numbers are not stored apart: they follow from the texts, as they did the first time.
   */
  restore(saved: SimMessage[]): void {
    for (const m of saved) {
      this.index(m);
      if (m.direction === 'outbound' && m.messagingServiceSid) this.servicesByNumber.set(m.from, m.messagingServiceSid);
      const keyword = m.direction === 'inbound' ? standardKeyword(m.body) : null;
      if (keyword === 'STOP' || keyword === 'START') this.setOptedOut(m.from, m.to, keyword === 'STOP');
    }
  }

  private index(m: SimMessage): void {
    this.messages.set(m.sid, m);
    const phone = phoneOf(m);
    const thread = this.threads.get(phone) ?? [];
    thread.push(m);
    this.threads.set(phone, thread);
    const service = m.direction === 'outbound' ? m.from : m.to;
    this.serviceNumbers.set(service, (this.serviceNumbers.get(service) ?? 0) + 1);
    if (this.messages.size > MAX_MESSAGES) this.forgetOldest();
  }

  get(sid: string): SimMessage | undefined {
    return this.messages.get(sid);
  }

  setStatus(m: SimMessage, status: SimStatus, at: number, errorCode: number | null = null, errorMessage: string | null = null): void {
    m.status = status;
    m.updatedAt = at;
    if (errorCode !== null) {
      m.errorCode = errorCode;
      m.errorMessage = errorMessage;
    }
    m.events.push({ status, errorCode, at });
    this.recorder?.record(m);
  }

  /** Both directions, oldest first. */
  thread(phone: string): SimMessage[] {
    return this.threads.get(phone) ?? [];
  }

  /** What the phone was sent, oldest first. */
  sentTo(phone: string): SimMessage[] {
    return this.thread(phone).filter((m) => m.direction === 'outbound');
  }

  phones(): { phone: string; messages: number; lastMessageAt: number }[] {
    return [...this.threads.entries()]
      .map(([phone, t]) => ({ phone, messages: t.length, lastMessageAt: t[t.length - 1]?.createdAt ?? 0 }))
      .sort((a, b) => b.lastMessageAt - a.lastMessageAt);
  }

  /** Service numbers seen, most used first (the phone UI prefills the first). */
  services(): string[] {
    return [...this.serviceNumbers.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  }

  /** Twilio's opt-out list is per (recipient, sender) pair. */
  setOptedOut(phone: string, service: string, out: boolean): void {
    if (out) this.optOuts.add(`${phone}|${service}`);
    else this.optOuts.delete(`${phone}|${service}`);
  }

  isOptedOut(phone: string, service: string): boolean {
    return this.optOuts.has(`${phone}|${service}`);
  }

  /** Consumes one injected failure for this number, if any. */
  takeFailure(to: string): number | null {
    const f = this.failures.get(to);
    if (!f) return null;
    if (f.remaining !== null) {
      f.remaining -= 1;
      if (f.remaining <= 0) this.failures.delete(to);
    }
    return f.errorCode;
  }

  /** Consumes one injected lost callback for this number: true when this text's final callback is to be lost. */
  takeLostCallback(to: string): boolean {
    if (!this.lostCallbacks.has(to)) return false;
    const remaining = this.lostCallbacks.get(to)!;
    if (remaining !== null) {
      if (remaining <= 1) this.lostCallbacks.delete(to);
      else this.lostCallbacks.set(to, remaining - 1);
    }
    return true;
  }

  private forgetOldest(): void {
    const oldest = this.messages.values().next().value as SimMessage;
    this.messages.delete(oldest.sid);
    const thread = this.threads.get(phoneOf(oldest));
    if (thread?.[0] === oldest) thread.shift();
  }
}

/** The phone's side of a message: who the simulator's "handset" is. */
export function phoneOf(m: SimMessage): string {
  return m.direction === 'outbound' ? m.to : m.from;
}
