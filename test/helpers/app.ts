import crypto from 'node:crypto';
import twilio from 'twilio';
import IORedis from 'ioredis';
import { QueueEvents } from 'bullmq';
import { QUEUE } from '../../src/queue/names';
import { loadConfig, type Config } from '../../src/config';
import { startFamilyLine, type Running, type Role } from '../../src/runtime';
import type { Clock } from '../../src/lib/clock';
import type { Deps } from '../../src/deps';
import type { Logger } from '../../src/logger';
import { TestClock } from './clock';
import { testDatabase } from './database';

export const PUBLIC_BASE_URL = 'https://familyline.test';

export interface TestApp extends Running {
  deps: Deps;
  url: string;
  config: Config;
  /** POSTs a form to a webhook path, signed as Twilio signs (or with the given signature). */
  postWebhook(pathname: string, params: Record<string, string>, signature?: string): Promise<Response>;
  /** Stops the service, clears its Redis keys and drops its database. */
  stop(): Promise<void>;
  /** Drops its database only: after close(), for a test whose Redis is unreachable on purpose. */
  dropDatabase(): Promise<void>;
}

/**
 * Starts the whole service (web + worker + simulator) on port 0 with its own database (a SQLite
 * file, or a PostgreSQL database in the PostgreSQL pass) and QUEUE_PREFIX, so test files never see
 * each other's data or jobs.
 */
export async function startTestApp(
  name: string,
  opts: { clock?: Clock; env?: Record<string, string>; roles?: Role[]; logger?: Logger } = {},
): Promise<TestApp> {
  const id = `${name}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  const database = await testDatabase(name);
  const config = loadConfig({
    PORT: '0',
    PUBLIC_BASE_URL,
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `fltest-${id}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SMS_PROVIDER: 'sim',
    ...opts.env,
  });
  // A weekday morning in New York unless the test brings its own clock: quiet hours never
  // depend on when the suite happens to run.
  const running = await startFamilyLine(config, { clock: opts.clock ?? new TestClock(), roles: opts.roles, logger: opts.logger });
  const url = running.url!;
  return {
    ...running,
    deps: running.deps!,
    url,
    config,
    async postWebhook(pathname, params, signature) {
      const sig = signature ?? twilio.getExpectedTwilioSignature(config.twilio.authToken, PUBLIC_BASE_URL + pathname, params);
      return fetch(url + pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
        body: new URLSearchParams(params).toString(),
      });
    },
    async stop() {
      await running.close();
      const redis = new IORedis(config.redisUrl);
      const keys = await redis.keys(`${config.queuePrefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await database.drop();
    },
    dropDatabase: () => database.drop(),
  };
}

/** Polls until fn returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`waitFor timed out${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the worker role's tick now, as its schedule would, and resolves once it has finished. */
export async function runTick(app: TestApp): Promise<void> {
  const connection = app.deps.redis.duplicate();
  const events = new QueueEvents(QUEUE.tick, { connection, prefix: app.config.queuePrefix });
  try {
    await events.waitUntilReady();
    const job = await app.deps.queues.tick.add('tick-now', {}, { removeOnComplete: false });
    await job.waitUntilFinished(events, 30_000);
  } finally {
    await events.close();
    await connection.quit();
  }
}
