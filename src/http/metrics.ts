import { Router } from 'express';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Deps } from '../deps';
import { countByStatus } from '../../db/repositories/messages';
import { requireMetricsReader } from './middleware/auth';

/**
 * Prometheus metrics: messages by status (from the database) and jobs by state (from Redis).
 * District-wide counts, so only a district admin's token or METRICS_TOKEN reads them.
 */
export function metricsRouter(deps: Deps): Router {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'familyline_' });
  new Gauge({
    name: 'familyline_messages',
    help: 'Messages stored, by direction and status',
    labelNames: ['direction', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await countByStatus(deps.db)) this.set({ direction: row.direction, status: row.status }, row.count);
    },
  });
  new Gauge({
    name: 'familyline_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of [deps.queues.send, deps.queues.inbound]) {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }
    },
  });
  const router = Router();
  router.get('/metrics', requireMetricsReader(deps), async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
