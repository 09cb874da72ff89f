import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import IORedis from 'ioredis';
import type { Logger } from '../logger';

const PRIVATE_PORT = 6390;

/** True when a Redis at `url` answers PING now (one loading its data answers LOADING: false). */
export async function answers(url: string): Promise<boolean> {
  const client = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  client.on('error', () => undefined); // the failed connect is reported by the ping below
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    // After a refused connect the socket is already closed: disconnecting it again would only
    // leave ioredis waiting 2 s for a close that has happened, holding the process open.
    if (client.status !== 'end') client.disconnect();
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer().once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Returns a Redis URL that answers. When REDIS_URL does not and redis-server is installed,
 * starts a private one (own port, append-only file under ./data) so `npm start` just works.
 */
export async function ensureRedis(url: string, logger: Logger): Promise<string> {
  if (await answers(url)) return url;
  const privateUrl = `redis://127.0.0.1:${PRIVATE_PORT}`;
  if (await answers(privateUrl)) {
    logger.warn({ redisUrl: privateUrl }, 'REDIS_URL did not answer; using the private Redis started earlier');
    return privateUrl;
  }
  const found = spawnSync('redis-server', ['--version']);
  if (found.error || !(await portFree(PRIVATE_PORT))) {
    throw new Error(
      `Redis at ${url} does not answer. Start one with "docker compose up -d redis" or install the system package (apt-get install redis-server), or set REDIS_URL.`,
    );
  }
  const dir = path.resolve('data', 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(PRIVATE_PORT), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', dir, '--save', ''],
    { stdio: 'ignore', detached: true },
  );
  child.unref();
  for (let i = 0; i < 50; i++) {
    if (await answers(privateUrl)) {
      logger.warn({ redisUrl: privateUrl, dir }, 'REDIS_URL did not answer; started a private redis-server');
      return privateUrl;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Started redis-server on port ${PRIVATE_PORT} but it does not answer; see ${dir}`);
}
