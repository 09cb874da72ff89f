import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import type { Deps } from './deps';
import { openDatabase } from '../db/client';
import { createRedis } from './queue/connection';
import { createQueues } from './queue/queues';
import { createTwilioChannel } from './channels/twilio/twilio-channel';
import { createSimulator, type Simulator } from './channels/sim/simulator';
import { createApp } from './app';
import { startWorkers, type Workers } from '../workers';
import { systemClock, type Clock } from './lib/clock';
import { createLogger, type Logger } from './logger';

export type Role = 'web' | 'worker';

export interface StartOptions {
  roles?: Role[];
  clock?: Clock;
  logger?: Logger;
}

export interface Running {
  deps: Deps;
  /** Where the web role listens (http://127.0.0.1:port), null without the web role. */
  url: string | null;
  simulator: Simulator | null;
  close(): Promise<void>;
}

/** Starts the requested roles in this process. The simulator rides with the web role in sim mode. */
export async function startFamilyLine(config: Config, opts: StartOptions = {}): Promise<Running> {
  const roles = opts.roles ?? ['web', 'worker'];
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const database = openDatabase(config.databaseUrl);
  const redis = createRedis(config.redisUrl);
  const queues = createQueues(redis, config.queuePrefix);
  // Redis outages are reported by /healthz and retried by ioredis; log them once per event, not as crashes.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  for (const q of [queues.send, queues.inbound, queues.tick, queues.rosterImport]) q.on('error', (err) => logger.warn({ queue: q.name, err: err.message }, 'queue error'));
  const sim = config.smsProvider === 'sim';

  let localUrl: string | null = null;
  const simulator =
    sim && roles.includes('web')
      ? createSimulator({
          accountSid: config.twilio.accountSid,
          authToken: config.twilio.authToken,
          publicBaseUrl: config.publicBaseUrl,
          clock,
          logger,
        })
      : null;
  const channel = createTwilioChannel({
    accountSid: config.twilio.accountSid,
    authToken: config.twilio.authToken,
    // In sim mode the SDK talks to the simulator: this process's own, else the web role's.
    simulatorUrl: sim ? () => `${localUrl ?? config.publicBaseUrl}/sim` : undefined,
    logger,
  });
  const deps: Deps = { config, db: database.db, database, redis, queues, channel, clock, logger };

  let server: Server | null = null;
  if (roles.includes('web')) {
    const app = createApp(deps, simulator ? [{ path: '/sim', router: simulator.router }] : []);
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, '0.0.0.0', () => resolve(s));
      s.once('error', reject);
    });
    const { port } = server.address() as AddressInfo;
    localUrl = `http://127.0.0.1:${port}`;
    simulator?.setWebhookBase(localUrl);
    logger.info({ port, smsProvider: config.smsProvider, publicBaseUrl: config.publicBaseUrl }, 'web role listening');
  }
  const workers: Workers | null = roles.includes('worker') ? await startWorkers(deps) : null;
  if (workers) logger.info({ queuePrefix: config.queuePrefix }, 'worker role started');

  return {
    deps,
    url: localUrl,
    simulator,
    async close() {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await workers?.close();
      await simulator?.close();
      if (redis.status === 'ready') {
        await queues.close();
        await redis.quit();
      } else {
        redis.disconnect();
        await queues.close();
      }
      database.close();
    },
  };
}
