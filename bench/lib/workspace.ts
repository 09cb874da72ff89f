import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { createScratchDatabase } from '../../db/dialects/postgres';
import type { ServerChild } from './children';

export type BenchDialect = 'sqlite' | 'postgres';
export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A benchmark's private database (a SQLite file or a PostgreSQL database), QUEUE_PREFIX and scratch directory, removed by cleanup(). */
export interface Workspace {
  dir: string;
  dialect: BenchDialect;
  databaseUrl: string;
  queuePrefix: string;
  redisUrl: string;
  cleanup(opts?: { keepDir?: boolean }): Promise<void>;
}

/** `--db sqlite|postgres` (default sqlite), as every benchmark takes it. */
export function dialectArg(args: string[]): BenchDialect {
  const i = args.indexOf('--db');
  const value = i === -1 ? 'sqlite' : args[i + 1];
  if (value !== 'sqlite' && value !== 'postgres') throw new Error(`--db takes sqlite or postgres, not ${value}`);
  return value;
}

export async function createWorkspace(name: string, dialect: BenchDialect = 'sqlite'): Promise<Workspace> {
  const id = `${name}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `familyline-bench-${name}-`));
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `flbench-${id}`;
  const database =
    dialect === 'postgres'
      ? await createScratchDatabase(BENCH_POSTGRES_URL, `flbench_${name}`)
      : { url: `file:${path.join(dir, 'bench.db')}`, drop: async () => undefined };
  return {
    dir,
    dialect,
    databaseUrl: database.url,
    queuePrefix,
    redisUrl,
    async cleanup(opts = {}) {
      await deleteKeys(redisUrl, `${queuePrefix}:*`);
      await database.drop();
      if (!opts.keepDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SCAN rather than KEYS: the Redis may be shared with a running dev instance. */
async function deleteKeys(redisUrl: string, pattern: string): Promise<void> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A port free right now, for a child that must know its own public URL before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** Hard stop so a wedged run still ends (the brief: every benchmark exits by itself). */
export function watchdog(ms: number, onFire: () => Promise<void>): NodeJS.Timeout {
  const t = setTimeout(() => {
    log(`watchdog: still running after ${ms / 1000} s, giving up`);
    onFire().finally(() => process.exit(1));
  }, ms);
  t.unref();
  return t;
}

/**
 * A benchmark that runs server children in a workspace of its own: under a watchdog, printing
 * the one JSON line `run` returns, and stopping the children and removing the workspace
 * whatever happens (kept, with the children's logs, when the run failed).
 */
export async function runWithChildren(
  name: string,
  dialect: BenchDialect,
  run: (ws: Workspace, children: ServerChild[]) => Promise<object>,
  opts: { watchdogMs?: number } = {},
): Promise<void> {
  const ws = await createWorkspace(name, dialect);
  const children: ServerChild[] = [];
  watchdog(opts.watchdogMs ?? 90_000, async () => children.forEach((c) => c.kill()));
  let ok = false;
  try {
    const result = await run(ws, children);
    process.stdout.write(JSON.stringify({ ...result, dialect }) + '\n');
    ok = true;
  } finally {
    children.forEach((c) => c.kill());
    if (!ok) log(`failed; child logs kept in ${ws.dir}`);
    await ws.cleanup({ keepDir: !ok });
  }
}
