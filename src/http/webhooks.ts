import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import type { WebhookParams } from '../channels/channel';
import { applyOrSpool } from '../messaging/webhook-spool';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Form fields as strings; a repeated or nested field is a malformed body. */
function formParams(req: Request): WebhookParams {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null) throw AppError.validation({ body: 'must be a form' });
  const params: WebhookParams = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') throw AppError.validation({ [k]: 'must appear once' }, 'Malformed webhook body');
    params[k] = v;
  }
  return params;
}

/** Twilio signs the URL it called, so the check uses PUBLIC_BASE_URL, not what Express sees behind a proxy. */
function verifyTwilio(deps: Deps): RequestHandler {
  return (req, res, next) => {
    const params = formParams(req);
    const url = deps.config.publicBaseUrl + req.originalUrl;
    if (!deps.channel.verifySignature(req.get('x-twilio-signature'), url, params)) {
      deps.logger.warn({ path: req.path }, 'webhook signature rejected');
      throw new AppError(403, 'bad_signature', 'X-Twilio-Signature does not match');
    }
    res.locals.params = params;
    next();
  };
}

const paramsOf = (res: Response): WebhookParams => res.locals.params;

export function webhookRouter(deps: Deps): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));
  router.post('/sms', verifyTwilio(deps), async (req, res) => {
    await applyOrSpool(deps, { kind: 'sms', sms: deps.channel.parseInbound(paramsOf(res)) });
    res.type('text/xml').send(EMPTY_TWIML);
  });
  router.post('/status', verifyTwilio(deps), async (req, res) => {
    const params = paramsOf(res);
    await applyOrSpool(deps, { kind: 'status', update: deps.channel.parseStatus(params), params });
    res.type('text/xml').send(EMPTY_TWIML);
  });
  return router;
}
