import { Router } from 'express';
import type { Deps } from '../deps';

/** 'ok' when fn answers within a second; a down dependency is the answer, not an error. */
async function check(fn: () => Promise<unknown>): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), 1000);
  });
  try {
    await Promise.race([fn(), timeout]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter(deps: Deps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [db, redis] = await Promise.all([
      check(() => deps.database.ping()),
      check(() => deps.redis.ping()),
    ]);
    const ok = db === 'ok' && redis === 'ok';
    if (!ok) deps.logger.warn({ db, redis }, 'health check failed');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'down', db, redis });
  });
  return router;
}
