import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
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

/**
 * POSTs forms as Twilio does: signed with X-Twilio-Signature over the public URL and the params.
 * Plain node:http with keep-alive agents rather than fetch: at benchmark rates (two callbacks per
 * text) fetch's per-request AbortSignal and stream machinery cost more than the rest of the simulator.
 */
export class WebhookClient {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  private readonly inFlight = new Set<http.ClientRequest>();

  constructor(
    private readonly authToken: string,
    private readonly localBase: () => string | null,
  ) {}

  post(publicUrl: string, params: Record<string, string>, idempotencyToken: string = crypto.randomUUID()): Promise<PostResult> {
    const signature = twilio.getExpectedTwilioSignature(this.authToken, publicUrl, params);
    const payload = new URLSearchParams(params).toString();
    return new Promise((resolve) => {
      const fail = (error: string, status: number | null = null) => resolve({ ok: false, status, error, text: '' });
      let target: URL;
      try {
        target = new URL(deliveryUrl(publicUrl, this.localBase()));
      } catch {
        return fail(`not a URL: ${publicUrl}`);
      }
      const agent = this.agents[target.protocol as 'http:' | 'https:'];
      if (!agent) return fail(`unsupported protocol ${target.protocol}`);
      const req = (target.protocol === 'https:' ? https : http).request(
        target,
        {
          method: 'POST',
          agent,
          // Twilio gives up after 15 s; so do we, or a hung service would pile requests up here.
          timeout: 15000,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(payload),
            'x-twilio-signature': signature,
            'i-twilio-idempotency-token': idempotencyToken,
            'user-agent': 'TwilioProxy/1.1',
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < 100_000) text += chunk; // a TwiML answer is small; never buffer a runaway one
          });
          res.on('error', (err) => fail(err.message, res.statusCode ?? null));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const ok = status >= 200 && status < 300;
            resolve({ ok, status, error: ok ? null : `HTTP ${status} ${text.slice(0, 200)}`, text });
          });
        },
      );
      this.inFlight.add(req);
      req.on('close', () => this.inFlight.delete(req));
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 15 s'), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      req.end(payload);
    });
  }

  close(): void {
    for (const req of this.inFlight) req.destroy(Object.assign(new Error('simulator closed'), { code: 'ECLOSED' }));
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
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
