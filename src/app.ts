import express, { type Express } from 'express';
import type { Deps } from './deps';
import { healthRouter } from './http/health';
import { metricsRouter } from './http/metrics';
import { webhookRouter } from './http/webhooks';
import { apiRouter } from './http/api/router';
import { consoleRouter } from './http/console/router';
import { errorHandler, notFound } from './http/middleware/errors';

/** The web role's Express app; `app.locals.close()` releases what its routers hold open. Extra routers (the simulator) mount before the 404 handler. */
export function createApp(deps: Deps, extra: { path: string; router: express.Router }[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(healthRouter(deps));
  app.use(metricsRouter(deps));
  app.use('/webhooks/twilio', webhookRouter(deps));
  app.use('/api/v1', apiRouter(deps));
  const consoleApp = consoleRouter(deps);
  app.use('/console', consoleApp.router);
  // What the app holds open beyond its routes (the console's Redis subscriber); runtime.ts closes it.
  app.locals.close = () => consoleApp.close();
  for (const { path, router } of extra) app.use(path, router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
