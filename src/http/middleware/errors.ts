import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseBusy } from '../../../db/client';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';

const BUSY_RETRY_AFTER_S = 5;

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

/**
 * The one place errors become answers: AppError as given, body-parser's client errors as 400,
 * a database held by another writer (a roster import) as 503 with Retry-After, the rest 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let appErr: AppError;
    if (err instanceof AppError) appErr = err;
    else if (err && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      appErr = new AppError(err.status, err.type === 'entity.too.large' ? 'too_large' : 'bad_request', 'The request body could not be read');
    } else if (isDatabaseBusy(err)) {
      logger.warn({ method: req.method, path: req.path }, 'database busy; asked the client to retry');
      res.set('Retry-After', String(BUSY_RETRY_AFTER_S));
      appErr = new AppError(503, 'busy', 'FamilyLine is busy writing (a roster import may be running); try again in a few seconds');
    } else {
      logger.error({ err, method: req.method, path: req.path }, 'request failed');
      appErr = new AppError(500, 'internal', 'Something went wrong on our side');
    }
    if (res.headersSent) return;
    res.status(appErr.status).json({
      error: { code: appErr.code, message: appErr.message, ...(appErr.fields ? { fields: appErr.fields } : {}) },
    });
  };
}
