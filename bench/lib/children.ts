import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './workspace';

export interface ServerChild {
  name: string;
  pid: number;
  url: string | null;
  /** CPU time the child has used so far, in ms (user + system; null where /proc is missing). */
  cpuMs(): number | null;
  /** Closes the server cleanly and resolves with its peak RSS in MB (null if it died instead). */
  stop(): Promise<number | null>;
  kill(): void;
}

const CHILD = path.join(__dirname, 'child.ts');

/**
 * Forks bench/lib/child.ts under tsx. Its stdout (pino logs) goes to `logFile`, not to our
 * stdout, which must carry only the result line. BENCH_CPU_PROF=<dir> adds --cpu-prof.
 */
export async function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
): Promise<ServerChild> {
  const out = fs.openSync(logFile, 'a');
  const prof = process.env.BENCH_CPU_PROF;
  const child: ChildProcess = fork(CHILD, args, {
    execArgv: ['--import', 'tsx', // One directory per child: the tsx loader thread writes its own profile next to the main one.
    ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.join(prof, name)}`] : [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out, 'ipc'],
  });
  fs.closeSync(out);
  const ready = await new Promise<{ url: string | null }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name}: not ready after 30 s (see ${logFile})`)), 30_000);
    child.once('message', (m: { type: string; url: string | null }) => (clearTimeout(t), resolve(m)));
    child.once('exit', (code) => (clearTimeout(t), reject(new Error(`${name} exited with ${code} before ready (see ${logFile})`))));
  });
  return {
    name,
    pid: child.pid!,
    url: ready.url,
    cpuMs: () => processCpuMs(child.pid!),
    stop() {
      if (child.exitCode !== null) return Promise.resolve(null);
      // Resolve on exit, not on the reply: a --cpu-prof child writes its profile while exiting.
      return new Promise((resolve) => {
        let rssMb: number | null = null;
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.on('message', (m: { type: string; maxRssKb?: number }) => {
          if (m.type === 'stopped') rssMb = Math.round((m.maxRssKb ?? 0) / 1024);
        });
        child.once('exit', () => (clearTimeout(t), resolve(rssMb)));
        child.send({ type: 'stop' });
      });
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** utime + stime of a process from /proc/<pid>/stat (Linux), in ms. */
function processCpuMs(pid: number): number | null {
  try {
    // The command name (field 2) may hold spaces; the fields after it are space separated.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return (ticks * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux the project runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_S = 100;

/** The simulator as the carrier, whatever Twilio credentials the shell running a benchmark holds. */
export const SIMULATED_CARRIER = { SMS_PROVIDER: 'sim', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM: '', TWILIO_MESSAGING_SERVICE_SID: '' };

/** The env of web, worker and sim children sharing one workspace, the others finding the simulator at simBase. */
export function roleEnv(ws: { databaseUrl: string; redisUrl: string; queuePrefix: string }, base: string, simBase: string) {
  return {
    PUBLIC_BASE_URL: base, SIM_URL: `${simBase}/sim`, DATABASE_URL: ws.databaseUrl, REDIS_URL: ws.redisUrl, QUEUE_PREFIX: ws.queuePrefix,
    ...SIMULATED_CARRIER,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  };
}

/**
 * The baseline's bare web, worker and sim (bare-pipeline.ts), each a child, on a queue prefix of
 * their own beside the workspace's: `base` is the bare web's address.
 */
export async function startBareChildren(ws: { databaseUrl: string; redisUrl: string; queuePrefix: string }, logFile: string) {
  const [port, simPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const queuePrefix = `${ws.queuePrefix}:bare`;
  const env = roleEnv({ ...ws, queuePrefix }, base, `http://127.0.0.1:${simPort}`);
  const bare = [
    await startChild('bare-sim', ['bare', 'sim'], { ...env, PORT: String(simPort) }, logFile),
    await startChild('bare-web', ['bare', 'web'], { ...env, PORT: String(port) }, logFile),
    await startChild('bare-worker', ['bare', 'worker'], { ...env, PORT: '0' }, logFile),
  ];
  return { base, queuePrefix, bare };
}
