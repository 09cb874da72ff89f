/**
 * A Redis that comes back without its data (no persistence, a failover to an empty replica)
 * forgets the job schedules as well as the jobs. The tick is what gives lost jobs back (stranded
 * texts, a broadcast's pages), so a worker registers its schedules again when Redis returns;
 * without that, nothing would recover until a worker restarted.
 */
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server';
import { NUDGE_SCHEDULER_ID } from '../../src/nudges/schedule';

let redis: PrivateRedis;
let app: TestApp;

beforeAll(async () => {
  redis = await startPrivateRedis('data-loss');
  app = await startTestApp('redis_data_loss', { roles: ['worker'], env: { REDIS_URL: redis.url } });
});

afterAll(async () => {
  await app?.stop();
  await redis?.remove();
});

const scheduled = async () => [
  ...(await app.deps.queues.tick.getJobSchedulers()).map((s) => s.key),
  ...(await app.deps.queues.nudges.getJobSchedulers()).map((s) => s.key),
];

test('a worker registers the tick and nudge schedules again when Redis returns empty', async () => {
  expect(await scheduled()).toEqual(['recover-stranded', NUDGE_SCHEDULER_ID]);
  await redis.kill();
  await redis.start({ empty: true });
  await waitFor(async () => (await scheduled()).length === 2, 20_000);
  expect(await scheduled()).toEqual(['recover-stranded', NUDGE_SCHEDULER_ID]);
  // And a tick is due: the next one is waiting in the queue.
  await waitFor(async () => {
    const counts = await app.deps.queues.tick.getJobCounts('delayed', 'waiting', 'active', 'completed');
    return Object.values(counts).some((n) => n > 0);
  }, 20_000);
});
