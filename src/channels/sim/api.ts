import crypto from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { maskPhone } from '../../lib/phone';
import { E164, poolNumberFor, type SimContext } from './context';
import { MAX_VALIDITY_S } from './delivery';
import { segmentInfo } from '../../i18n/segments';
import type { SimMessage } from './store';
import { apiErrorJson, isApiTimeCode, messageJson, newSid } from './twilio-json';

/** The subset of Twilio's Messages REST API the SDK calls: create and fetch. */
export function messagesApi(ctx: SimContext): express.Router {
  const router = express.Router();
  const base = '/2010-04-01/Accounts/:accountSid';
  router.use('/2010-04-01', express.urlencoded({ extended: false, limit: '100kb' }), basicAuth(ctx));

  router.post(`${base}/Messages.json`, async (req, res) => {
    if (req.params.accountSid !== ctx.accountSid) return twilioError(res, 20404);
    const p = (req.body ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
    const to = str('To')?.trim();
    const body = str('Body') ?? '';
    const fromParam = str('From')?.trim() || undefined;
    const mss = str('MessagingServiceSid')?.trim() || undefined;
    if (!to) return twilioError(res, 21604);
    if (!fromParam && !mss) return twilioError(res, 21603);
    if (!body) return twilioError(res, 21602);
    if (!E164.test(to)) return twilioError(res, 21211, to);
    if (body.length > 1600) return twilioError(res, 21617);

    const from = fromParam ?? poolNumberFor(mss!);
    if (mss && !fromParam) ctx.store.servicesByNumber.set(from, mss);
    if (ctx.store.isOptedOut(to, from)) {
      ctx.logger.info({ to: maskPhone(to), from: maskPhone(from) }, 'sim refused send to opted-out number (21610)');
      return twilioError(res, 21610, to);
    }
    const injected = ctx.store.takeFailure(to);
    if (injected !== null && isApiTimeCode(injected)) {
      ctx.logger.info({ to: maskPhone(to), code: injected }, 'sim injected API failure');
      return twilioError(res, injected, to);
    }

    const now = ctx.clock.now();
    const m: SimMessage = {
      sid: newSid(),
      direction: 'outbound',
      origin: 'api',
      accountSid: ctx.accountSid,
      from,
      to,
      body,
      segments: Math.max(1, segmentInfo(body).segments),
      messagingServiceSid: mss ?? null,
      statusCallback: str('StatusCallback') || null,
      status: 'queued',
      errorCode: null,
      errorMessage: null,
      failWith: injected,
      loseFinalCallback: ctx.store.takeLostCallback(to),
      createdAt: now,
      updatedAt: now,
      releasedAt: null,
      releaseSeq: null,
      events: [{ status: 'queued', errorCode: null, at: now }],
    };
    ctx.store.add(m);
    const validity = Number(str('ValidityPeriod'));
    ctx.delivery.enqueue(m, mss ?? from, Number.isInteger(validity) && validity > 0 ? Math.min(validity, MAX_VALIDITY_S) : MAX_VALIDITY_S);
    ctx.logger.debug({ sid: m.sid, to: maskPhone(to), segments: m.segments }, 'sim accepted message');
    await ctx.delivery.answerDelay();
    res.status(201).json(messageJson(m));
  });

  router.get(`${base}/Messages/:sid.json`, (req, res) => {
    const m = ctx.store.get(String(req.params.sid));
    if (req.params.accountSid !== ctx.accountSid || !m || m.direction !== 'outbound') return twilioError(res, 20404);
    res.json(messageJson(m));
  });

  return router;
}

function twilioError(res: Response, code: number, to = ''): void {
  const e = apiErrorJson(code, to);
  res.status(e.status).json(e.body);
}

/** HTTP basic auth with the configured account sid and auth token, as Twilio checks it. */
function basicAuth(ctx: SimContext) {
  const expected = Buffer.from(`${ctx.accountSid}:${ctx.authToken}`);
  return (req: Request, res: Response, next: () => void) => {
    const m = /^Basic\s+(.+)$/i.exec(req.get('authorization') ?? '');
    const given = m ? Buffer.from(m[1], 'base64') : Buffer.alloc(0);
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return next();
    ctx.logger.warn({ path: req.path }, 'sim refused request with wrong credentials (20003)');
    res.set('WWW-Authenticate', 'Basic realm="Twilio API"');
    twilioError(res, 20003);
  };
}
