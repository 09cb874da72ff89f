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

/**
 * Every webhook passes here before anything reads it: signed by the provider for the URL it called
 * (PUBLIC_BASE_URL + path, not what Express sees behind a proxy), and for our own account.
 */
function verifyTwilio(deps: Deps): RequestHandler {
  return (req, res, next) => {
    const params = formParams(req);
    const url = deps.config.publicBaseUrl + req.originalUrl;
    const verdict = deps.channel.verifyWebhook(req.get('x-twilio-signature'), url, params);
    if (!verdict.trusted && verdict.reason === 'bad_signature') {
      deps.logger.warn({ path: req.path }, 'webhook signature rejected');
      throw new AppError(403, 'bad_signature', 'X-Twilio-Signature does not match');
    }
    if (!verdict.trusted) {
      deps.logger.warn({ path: req.path, accountSid: verdict.accountSid ?? 'missing or malformed' }, 'webhook for another account rejected');
      throw new AppError(403, 'other_account', 'AccountSid is not the account this service runs on');
    }
    res.locals.params = params;
    next();
  };
}

const paramsOf = (res: Response): WebhookParams => res.locals.params;

/**
 * A signed webhook that does not parse is refused with 400 and logged by field name and length
 * only: its values are whatever the sender chose, so no log line carries them.
 */
function parsed<T>(deps: Deps, req: Request, res: Response, parse: (params: WebhookParams) => T): T {
  const params = paramsOf(res);
  try {
    return parse(params);
  } catch (err) {
    if (err instanceof AppError && err.fields) {
      const lengths = Object.fromEntries(Object.keys(err.fields).map((f) => [f, params[f]?.length ?? null]));
      deps.logger.warn({ path: req.path, fields: Object.keys(err.fields), lengths }, 'malformed webhook refused');
    }
    throw err;
  }
}

export function webhookRouter(deps: Deps): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));
  router.post('/sms', verifyTwilio(deps), async (req, res) => {
    await applyOrSpool(deps, { kind: 'sms', sms: parsed(deps, req, res, (p) => deps.channel.parseInbound(p)) });
    res.type('text/xml').send(EMPTY_TWIML);
  });
  router.post('/status', verifyTwilio(deps), async (req, res) => {
    await applyOrSpool(deps, { kind: 'status', update: parsed(deps, req, res, (p) => deps.channel.parseStatus(p)), params: paramsOf(res) });
    res.type('text/xml').send(EMPTY_TWIML);
  });
  return router;
}
