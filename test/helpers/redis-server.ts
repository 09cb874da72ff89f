/**
 * A private redis-server for tests that crash Redis itself: its own port and data directory,
 * append-only file on and fsynced on every write (appendfsync always), no RDB snapshots. It can
 * be killed (SIGKILL, as when the host dies) and started again on the same port and directory,
 * where it reloads what it had acknowledged from its append-only file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../bench/lib/workspace';
import { waitFor } from './app';
import { answers } from '../../src/queue/local-redis';

export interface PrivateRedis {
  url: string;
  /** SIGKILL: nothing is flushed beyond what the append-only file already holds. */
  kill(): Promise<void>;
  /**
   * Starts it again on the same port and directory; resolves once it has loaded its data and
   * answers. `empty`: with its data gone first, as a Redis without persistence comes back.
   */
  start(opts?: { empty?: boolean }): Promise<void>;
  /** Kills it (if running) and removes its directory. */
  remove(): Promise<void>;
}

export async function startPrivateRedis(name: string): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `familyline-redis-${name}-`));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  // Should the test process end without its afterAll, the server ends with it.
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  const start = async (opts: { empty?: boolean } = {}) => {
    output = '';
    if (opts.empty) for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    for (const s of [c.stdout!, c.stderr!]) s.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    await waitFor(async () => {
      if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}:\n${output}`);
      return answers(url);
    }, 20_000);
  };
  const kill = async () => {
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    kill,
    start,
    async remove() {
      await kill();
      process.removeListener('exit', onExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
