/**
 * FamilyLine roles as real child processes (`src/server.ts --role …`), for tests where processes
 * die: each is started with its own environment, waited for until it answers, and stopped or
 * killed like a host going down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './app';

const ROOT = path.resolve(__dirname, '../..');

export interface RoleProcess {
  roles: string;
  output(): string;
  /** SIGKILL, as when a host dies: nothing is flushed or closed. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `npm start -- --role <roles>` and resolves once `ready()` says it serves (or fails with its output). */
export async function startRole(roles: string, env: Record<string, string>, ready: (output: string) => Promise<boolean>): Promise<RoleProcess> {
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', '--role', roles], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`--role ${roles} exited with ${child.exitCode}:\n${output}`);
    return ready(output).catch(() => false);
  }, 60_000).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${output}`);
  });
  return { roles, output: () => output, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** What every role of one deployment shares: one database, one Redis and queue prefix, the simulator at SIM_URL, no real Twilio. */
export function deploymentEnv(o: { databaseUrl: string; redisUrl: string; queuePrefix: string; publicBaseUrl: string; simUrl: string }) {
  return {
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    QUEUE_PREFIX: o.queuePrefix,
    PUBLIC_BASE_URL: o.publicBaseUrl,
    SIM_URL: o.simUrl,
    SMS_PROVIDER: 'sim',
    TWILIO_ACCOUNT_SID: '',
    TWILIO_AUTH_TOKEN: '',
    TWILIO_FROM: '',
    TWILIO_MESSAGING_SERVICE_SID: '',
  };
}

/** Ready when GET url answers 200. */
export const answers = (url: string) => async () => (await fetch(url)).ok;
/** Ready when the process has logged this message (a worker has no port to ask). */
export const logged = (msg: string) => async (output: string) => output.includes(`"msg":"${msg}"`);
