import express, { type Express } from 'express';
import type { Deps } from './deps';
import { healthRouter } from './http/health';
import { metricsRouter } from './http/metrics';
import { webhookRouter } from './http/webhooks';
import { apiRouter } from './http/api/router';
import { errorHandler, notFound } from './http/middleware/errors';

/** The web role's Express app. Extra routers (the simulator) mount before the 404 handler. */
export function createApp(deps: Deps, extra: { path: string; router: express.Router }[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(healthRouter(deps));
  app.use(metricsRouter(deps));
  app.use('/webhooks/twilio', webhookRouter(deps));
  app.use('/api/v1', apiRouter(deps));
  for (const { path, router } of extra) app.use(path, router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
