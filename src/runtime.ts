import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Config } from './config';
import type { Deps } from './deps';
import { openDatabase } from '../db/client';
import { createRedis } from './queue/connection';
import { createQueues } from './queue/queues';
import { createTwilioChannel } from './channels/twilio/twilio-channel';
import { SimHistory } from './channels/sim/history';
import { createSimulator, type Simulator } from './channels/sim/simulator';
import { poolNumberFor } from './channels/sim/context';
import { guardianPhoneDirectory } from './families/sim-directory';
import { createApp } from './app';
import { startWorkers, type Workers } from '../workers';
import { systemClock, type Clock } from './lib/clock';
import { createLogger, type Logger } from './logger';
import { defaultRoles, type Role } from './roles';
import { keepHeapLean } from './lib/heap';

export type { Role };

export interface StartOptions {
  /** Default: web, worker and (in sim mode) the simulator, all in this process. */
  roles?: Role[];
  clock?: Clock;
  logger?: Logger;
}

export interface Running {
  /** Null in a process that runs the simulator alone. */
  deps: Deps | null;
  /** Where the web role listens (http://127.0.0.1:port), null without the web role. */
  url: string | null;
  /** Where this process's simulator answers (http://127.0.0.1:port/sim), null without the sim role. */
  simUrl: string | null;
  simulator: Simulator | null;
  close(): Promise<void>;
}

/**
 * Starts the requested roles in this process. A simulator beside the web role answers at its /sim
 * and hands it webhooks directly; alone, it listens on PORT itself and calls the service at the
 * URLs it is given (PUBLIC_BASE_URL), as Twilio does. The others find a simulator they do not run
 * at SIM_URL.
 */
export async function startFamilyLine(config: Config, opts: StartOptions = {}): Promise<Running> {
  keepHeapLean();
  const roles = opts.roles ?? defaultRoles(config);
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const redis = createRedis(config.redisUrl);
  // Redis outages are reported by /healthz and retried by ioredis; log them once per event, not as crashes.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));

  const simulator = roles.includes('sim') ? await startSimulator(config, redis, clock, logger) : null;
  let simUrl: string | null = null;
  const deps = roles.includes('web') || roles.includes('worker') ? await serviceDeps(config, redis, clock, logger, () => simUrl ?? config.simUrl) : null;
  // With the database at hand the phone page lists the roster's (invented) parents' phones.
  if (simulator && deps) simulator.setDirectory(guardianPhoneDirectory(deps.db, defaultSender(config)));

  let server: Server | null = null;
  let url: string | null = null;
  let webApp: express.Express | null = null;
  if (deps && roles.includes('web')) {
    webApp = createApp(deps, simulator ? [{ path: '/sim', router: simulator.router }] : []);
    server = await listen(webApp, config.port);
    url = localUrl(server);
    logger.info({ port: portOf(server), smsProvider: config.smsProvider, publicBaseUrl: config.publicBaseUrl }, 'web role listening');
  } else if (simulator) {
    const app = express();
    app.disable('x-powered-by');
    app.use('/sim', simulator.router);
    server = await listen(app, config.port);
  }
  if (simulator && server) {
    simUrl = `${localUrl(server)}/sim`;
    // Beside the web role its webhooks go straight to it, still signed for the public URL.
    if (url) simulator.setWebhookBase(url);
    logger.info({ port: portOf(server), publicBaseUrl: config.publicBaseUrl }, 'sim role listening');
  }
  const workers: Workers | null = deps && roles.includes('worker') ? await startWorkers(deps) : null;
  if (workers) logger.info({ queuePrefix: config.queuePrefix, simUrl: config.smsProvider === 'sim' ? (simUrl ?? config.simUrl) : undefined }, 'worker role started');

  return {
    deps,
    url,
    simUrl,
    simulator,
    async close() {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await webApp?.locals.close?.();
      await workers?.close();
      await simulator?.close();
      if (redis.status === 'ready') {
        await deps?.queues.close();
        await redis.quit();
      } else {
        redis.disconnect();
        await deps?.queues.close();
      }
      await deps?.database.close();
    },
  };
}

/** What the web and worker roles share: the database, the queues and the SMS channel. */
async function serviceDeps(config: Config, redis: Redis, clock: Clock, logger: Logger, simulatorUrl: () => string): Promise<Deps> {
  const database = await openDatabase(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    onIdleError: (err) => logger.warn({ err }, 'PostgreSQL closed an idle pooled connection; a new one opens when needed'),
  });
  const queues = createQueues(redis, config.queuePrefix);
  for (const q of [queues.send, queues.inbound, queues.tick, queues.rosterImport, queues.nudges, queues.broadcast]) q.on('error', (err) => logger.warn({ queue: q.name, err: err.message }, 'queue error'));
  const channel = createTwilioChannel({
    accountSid: config.twilio.accountSid,
    authToken: config.twilio.authToken,
    // In sim mode the SDK talks to the simulator: this process's own, else the one at SIM_URL.
    simulatorUrl: config.smsProvider === 'sim' ? simulatorUrl : undefined,
    logger,
  });
  return { config, db: database.db, database, redis, queues, channel, clock, logger };
}

async function startSimulator(config: Config, redis: Redis, clock: Clock, logger: Logger): Promise<Simulator> {
  const simulator = createSimulator({
    accountSid: config.twilio.accountSid,
    authToken: config.twilio.authToken,
    publicBaseUrl: config.publicBaseUrl,
    clock,
    logger,
    history: new SimHistory(redis, `${config.queuePrefix}:sim:history`, logger),
    serviceNumber: defaultSender(config),
  });
  await simulator.restore();
  return simulator;
}

/** The number a school without its own texts from: TWILIO_FROM, or the simulator's number for the messaging service. */
function defaultSender(config: Config): string | null {
  if (config.twilio.from) return config.twilio.from;
  return config.twilio.messagingServiceSid ? poolNumberFor(config.twilio.messagingServiceSid) : null;
}

function listen(app: express.Express, port: number): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;
const localUrl = (server: Server) => `http://127.0.0.1:${portOf(server)}`;
