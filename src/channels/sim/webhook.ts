import crypto from 'node:crypto';
import twilio from 'twilio';

/**
 * Where a webhook actually goes. The service may sit behind a proxy: Twilio would call the
 * public URL, so we SIGN that URL but DELIVER to the local base (same path and query).
 */
export function deliveryUrl(publicUrl: string, localBase: string | null): string {
  if (!localBase) return publicUrl;
  const u = new URL(publicUrl);
  return localBase.replace(/\/+$/, '') + u.pathname + u.search;
}

export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** The answer body (TwiML for an inbound webhook). */
  text: string;
}

/** POSTs a form as Twilio does: signed with X-Twilio-Signature over the public URL and the params. */
export async function postSignedForm(
  publicUrl: string,
  localBase: string | null,
  params: Record<string, string>,
  authToken: string,
  opts: { signal?: AbortSignal; idempotencyToken?: string; timeoutMs?: number } = {},
): Promise<PostResult> {
  const signature = twilio.getExpectedTwilioSignature(authToken, publicUrl, params);
  // Twilio gives up after 15 s; so do we, or a hung service would pile up requests here.
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 15000), ...(opts.signal ? [opts.signal] : [])];
  try {
    const res = await fetch(deliveryUrl(publicUrl, localBase), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
        'i-twilio-idempotency-token': opts.idempotencyToken ?? crypto.randomUUID(),
        'user-agent': 'TwilioProxy/1.1',
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.any(signals),
    });
    const text = await res.text(); // drain so the keep-alive socket is reusable
    return { ok: res.ok, status: res.status, error: res.ok ? null : `HTTP ${res.status} ${text.slice(0, 200)}`, text };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, status: null, error: e.cause?.code ?? `${e.name}: ${e.message}`, text: '' };
  }
}

/** Limits concurrent webhook POSTs so a pacing-off burst cannot open thousands of sockets at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
