import { Router } from 'express';
import type { Deps } from '../deps';

async function check(fn: () => Promise<unknown>): Promise<'ok' | 'down'> {
  try {
    await fn();
    return 'ok';
  } catch {
    return 'down';
  }
}

export function healthRouter(deps: Deps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [db, redis] = await Promise.all([
      check(() => deps.database.ping()),
      check(() => Promise.race([deps.redis.ping(), new Promise((_, r) => setTimeout(() => r(new Error('timeout')), 1000))])),
    ]);
    const ok = db === 'ok' && redis === 'ok';
    if (!ok) deps.logger.warn({ db, redis }, 'health check failed');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'down', db, redis });
  });
  return router;
}
