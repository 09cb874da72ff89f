/**
 * A Redis that comes back without its data (no persistence, a failover to an empty replica)
 * forgets the job schedules as well as the jobs. The tick is what gives lost jobs back (stranded
 * texts, a broadcast's pages), so a worker registers its schedules again when Redis returns;
 * without that, nothing would recover until a worker restarted.
 *
 * The worker is a real process, stopped as a host stops it (SIGTERM): after a Redis restart
 * BullMQ's close can hang on its blocking connection, which the worker role cuts short and the
 * process's exit ends; inside this test process its timers would outlive the file.
 */
import crypto from 'node:crypto';
import IORedis from 'ioredis';
import { waitFor } from '../helpers/app';
import { testDatabase } from '../helpers/database';
import { deploymentEnv, logged, startRole, type RoleProcess } from '../helpers/processes';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server';
import { createQueues, type Queues } from '../../src/queue/queues';
import { NUDGE_SCHEDULER_ID } from '../../src/nudges/schedule';

let redis: PrivateRedis;
let database: Awaited<ReturnType<typeof testDatabase>>;
let worker: RoleProcess;
let connection: IORedis;
let queues: Queues;

beforeAll(async () => {
  redis = await startPrivateRedis('data-loss');
  database = await testDatabase('redis_data_loss');
  const queuePrefix = `fl-data-loss-${crypto.randomBytes(3).toString('hex')}`;
  const env = deploymentEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix, publicBaseUrl: 'https://familyline.test', simUrl: 'http://127.0.0.1:9/sim' });
  worker = await startRole('worker', { ...env, PORT: '0', LOG_LEVEL: 'info' }, logged('worker role started'));
  connection = new IORedis(redis.url, { maxRetriesPerRequest: null });
  queues = createQueues(connection, queuePrefix);
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  await connection?.quit();
  await redis?.remove();
  await database?.drop();
}, 60_000);

const scheduled = async () => [
  ...(await queues.tick.getJobSchedulers()).map((s) => s.key),
  ...(await queues.nudges.getJobSchedulers()).map((s) => s.key),
];

test('a worker registers the tick and nudge schedules again when Redis returns empty', async () => {
  expect(await scheduled()).toEqual(['recover-stranded', NUDGE_SCHEDULER_ID]);
  await redis.kill();
  await redis.start({ empty: true });
  await waitFor(async () => (await scheduled().catch(() => [])).length === 2, 20_000);
  expect(await scheduled()).toEqual(['recover-stranded', NUDGE_SCHEDULER_ID]);
  // And a tick is due: the next one is waiting in the queue.
  await waitFor(async () => {
    const counts = await queues.tick.getJobCounts('delayed', 'waiting', 'active', 'completed');
    return Object.values(counts).some((n) => n > 0);
  }, 20_000);
});
