import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { maskPhone } from '../../lib/phone';
import { E164, type SimContext } from './context';
import { textService } from './inbound';
import type { SimDirectoryPhone } from './directory';
import type { SimMessage } from './store';

/** JSON endpoints for tests, tools and the phone UI under /sim/api. */
export function controlApi(ctx: SimContext): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '100kb' }));

  router.post('/inbound', async (req, res) => {
    const { from, to, body } = parse(InboundBody, req.body);
    const r = await textService(ctx, from, to, body);
    if (r.ok) return void res.json({ sid: r.sid });
    res.status(502).json({
      sid: r.sid,
      error: { code: 'webhook_failed', message: `The service's webhook answered ${r.error}`, status: r.httpStatus },
    });
  });

  router.get('/messages', (req, res) => {
    const to = phoneParam(req.query.to);
    const phone = phoneParam(req.query.phone);
    if (to) return void res.json({ items: ctx.store.sentTo(to).map(item) });
    if (phone) return void res.json({ items: ctx.store.thread(phone).map(threadItem) });
    throw new ValidationError({ to: 'give ?to= or ?phone= as an E.164 number, like +15555550123' });
  });

  const known = knownPhones(ctx);
  router.get('/phones', async (_req, res) => {
    const items = ctx.store.phones().map((p) => ({ ...p, lastMessageAt: new Date(p.lastMessageAt).toISOString() }));
    const directory = await known();
    // Most used first; then the schools' own numbers and the default sender, so a phone that has
    // never had a text still gets a "To" filled in.
    const serviceNumbers = [...new Set([...ctx.store.services(), ...directory.map((p) => p.serviceNumber), ctx.serviceNumber])].filter(
      (n): n is string => typeof n === 'string' && E164.test(n),
    );
    res.json({ items, known: directory, serviceNumbers });
  });

  router.get('/failures', (_req, res) => {
    res.json({ items: [...ctx.store.failures].map(([to, f]) => ({ to, errorCode: f.errorCode, times: f.remaining })) });
  });

  router.post('/failures', (req, res) => {
    const { to, errorCode, times } = parse(FailureBody, req.body);
    if (times === 0) ctx.store.failures.delete(to);
    else ctx.store.failures.set(to, { errorCode, remaining: times ?? null });
    ctx.logger.info({ to: maskPhone(to), errorCode, times: times ?? 'always' }, 'sim failure injection set');
    res.json({ to, errorCode, times: times ?? null });
  });

  router.delete('/failures', (req, res) => {
    const to = phoneParam(req.query.to) ?? (typeof req.body?.to === 'string' ? req.body.to : null);
    if (to) ctx.store.failures.delete(to);
    else ctx.store.failures.clear();
    res.json({ cleared: to ?? 'all' });
  });

  // A callback lost on the way (or a process that died before sending it): the text is delivered
  // and says so when looked up, but the service never hears of it.
  router.post('/lost-callbacks', (req, res) => {
    const { to, times } = parse(LostCallbacksBody, req.body);
    if (times === 0) ctx.store.lostCallbacks.delete(to);
    else ctx.store.lostCallbacks.set(to, times ?? null);
    ctx.logger.info({ to: maskPhone(to), times: times ?? 'always' }, 'sim lost-callback injection set');
    res.json({ to, times: times ?? null });
  });

  router.get('/settings', (_req, res) => res.json(settings(ctx)));

  router.post('/settings', (req, res) => {
    const s = parse(SettingsBody, req.body);
    if (s.mps !== undefined) {
      if (s.from) ctx.delivery.mpsBySender.set(s.from, s.mps);
      else ctx.delivery.defaultMps = s.mps;
      ctx.delivery.repace();
    }
    if (s.deliveryDelayMs !== undefined) ctx.delivery.deliveryDelayMs = s.deliveryDelayMs;
    if (s.apiDelayMs !== undefined) ctx.delivery.apiDelayMs = s.apiDelayMs;
    ctx.logger.info({ mps: s.mps, from: maskPhone(s.from), deliveryDelayMs: s.deliveryDelayMs, apiDelayMs: s.apiDelayMs }, 'sim settings changed');
    res.json(settings(ctx));
  });

  router.use(errorAnswer(ctx));
  return router;
}

/**
 * The directory's phones, read at most every few seconds (the page polls every 1.5 s). A failing
 * directory (its database down) leaves the list empty: the phone still works by typed number.
 */
function knownPhones(ctx: SimContext): () => Promise<SimDirectoryPhone[]> {
  const TTL_MS = 5000;
  let cached: { at: number; phones: SimDirectoryPhone[] } | null = null;
  let source: SimContext['directory'] = null;
  return async () => {
    if (!ctx.directory) return [];
    const now = Date.now();
    if (cached && source === ctx.directory && now - cached.at < TTL_MS) return cached.phones;
    source = ctx.directory;
    try {
      cached = { at: now, phones: await ctx.directory.phones() };
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, 'sim directory unavailable');
      cached = { at: now, phones: [] };
    }
    return cached.phones;
  };
}

const phone = z.string().trim().regex(E164, 'must be a phone number in E.164 form, like +15555550123');
const InboundBody = z.object({ from: phone, to: phone, body: z.string().max(1600, 'is longer than 1600 characters') });
const FailureBody = z.object({
  to: phone,
  errorCode: z.number().int().min(10000).max(99999),
  times: z.number().int().min(0).nullable().optional(),
});
const LostCallbacksBody = z.object({ to: phone, times: z.number().int().min(0).nullable().optional() });
const SettingsBody = z
  .object({
    mps: z.number().positive().max(100000).nullable().optional(),
    from: z.string().trim().min(1).optional(),
    deliveryDelayMs: z.number().int().min(0).max(60000).optional(),
    apiDelayMs: z.number().int().min(0).max(60000).optional(),
  })
  .strict();

class ValidationError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super('The request is not valid');
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const i of r.error.issues) fields[i.path.join('.') || 'body'] ??= i.message;
  throw new ValidationError(fields);
}

/** An unencoded "+" in a query string arrives as a space; accept it rather than puzzle the caller. */
function phoneParam(v: unknown): string | null {
  if (typeof v !== 'string' || !v.trim()) return null;
  const s = v.replace(/^ (?=\d)/, '+').trim();
  if (!E164.test(s)) throw new ValidationError({ phone: 'must be a phone number in E.164 form, like +15555550123' });
  return s;
}

const item = (m: SimMessage) => ({
  sid: m.sid,
  from: m.from,
  to: m.to,
  body: m.body,
  status: m.status,
  errorCode: m.errorCode,
  createdAt: new Date(m.createdAt).toISOString(),
});

const threadItem = (m: SimMessage) => ({ ...item(m), direction: m.direction, origin: m.origin, segments: m.segments });

function settings(ctx: SimContext) {
  return {
    mps: ctx.delivery.defaultMps,
    deliveryDelayMs: ctx.delivery.deliveryDelayMs,
    apiDelayMs: ctx.delivery.apiDelayMs,
    senders: Object.fromEntries(ctx.delivery.mpsBySender),
  };
}

/** Same error shape as the service's own API, so one client helper reads both. */
function errorAnswer(ctx: SimContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ValidationError) {
      return void res.status(400).json({ error: { code: 'validation_failed', message: err.message, fields: err.fields } });
    }
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return void res.status(400).json({ error: { code: 'bad_request', message: 'The request body could not be read' } });
    }
    ctx.logger.error({ err, path: req.path }, 'sim control request failed');
    res.status(500).json({ error: { code: 'internal', message: 'The simulator failed' } });
  };
}
