/**
 * `npm run bench -- send [--single] [--messages N]`: messages per second from the staff API to
 * "delivered" in the carrier simulator, with pacing off on both sides (school mps 0, simulator
 * mps null). Production shape by default: web role + simulator in one child process, worker
 * role in another, sharing the SQLite file and QUEUE_PREFIX; --single runs all in one child.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { startChild } from './lib/children';
import { jsonClient, pool } from './lib/http';
import { seed } from './lib/seed';
import { freePort, log, runWithChildren } from './lib/workspace';

const TARGET = { messagesPerSecond: 1000 };
const CONCURRENCY = 64;
const POLL_MS = 100;
/** Give up when nothing moved for this long (a stuck status is a finding, not a hang). */
const STALL_MS = 10_000;
const BODY = 'Reminder: picture day is Thursday. Please send the signed form back by Wednesday.';

type Counts = Record<string, number>;

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

export async function main(args: string[]): Promise<void> {
  const single = args.includes('--single');
  const families = Number(argValue(args, '--messages') ?? 3000);
  await runWithChildren('send', async (ws, children) => {
    const seeded = await seed(ws.databaseUrl, { families, mps: 0, conversations: true, token: true });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // The worker finds the simulator beside the web role at PUBLIC_BASE_URL/sim (SIM_URL's default).
    const env = {
      PUBLIC_BASE_URL: base, DATABASE_URL: ws.databaseUrl, REDIS_URL: ws.redisUrl, QUEUE_PREFIX: ws.queuePrefix,
      SMS_PROVIDER: 'sim', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM: '', TWILIO_MESSAGING_SERVICE_SID: '',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    };
    const logFile = path.join(ws.dir, 'children.log');
    const web = await startChild(single ? 'single' : 'web', ['familyline', single ? 'web,worker,sim' : 'web,sim'], { ...env, PORT: String(port) }, logFile);
    children.push(web);
    const worker = single ? null : await startChild('worker', ['familyline', 'worker'], { ...env, PORT: '0' }, logFile);
    if (worker) children.push(worker);

    const api = jsonClient(base, { authorization: `Bearer ${seeded.token}` }, CONCURRENCY);
    const pacing = await api.request('POST', '/sim/api/settings', { mps: null });
    if (pacing.status !== 200) throw new Error(`could not switch simulator pacing off: ${pacing.status} ${JSON.stringify(pacing.json)}`);

    const db = new Database(ws.dbFile, { readonly: true });
    const countStatuses = (): Counts => {
      const rows = db.prepare(`select status, count(*) as n from messages where direction = 'outbound' group by status`).all() as { status: string; n: number }[];
      const handed = db.prepare(`select count(*) as n from messages where direction = 'outbound' and provider_sid is not null`).get() as { n: number };
      // handedToCarrier: the simulator answered 201 (its sid is stored), whatever the status says.
      return { ...Object.fromEntries(rows.map((r) => [r.status, r.n])), handedToCarrier: handed.n };
    };

    log(`${single ? 'single process' : 'web + worker'}: posting ${families} replies, ${CONCURRENCY} at a time`);
    const t0 = performance.now();
    let accepted = 0;
    let acceptedMessages = 0;
    const rejected: Counts = {};
    let firstRejection: unknown = null;
    let acceptedAt = 0;
    const posting = pool(families, CONCURRENCY, async (i) => {
      const r = await api.request('POST', `/api/v1/conversations/${seeded.conversationIds[i]}/messages`, { body: BODY });
      if (r.status === 202) {
        accepted++;
        acceptedMessages += (r.json as { recipients?: unknown[] }).recipients?.length ?? 1;
      } else {
        rejected[r.status] = (rejected[r.status] ?? 0) + 1;
        firstRejection ??= r.json;
      }
    }).then(() => (acceptedAt = performance.now()));

    // Poll until every accepted message is delivered, or nothing moves for STALL_MS.
    let counts: Counts = {};
    let lastChange = performance.now();
    let lastKey = '';
    let lastLog = 0;
    let doneAt = 0;
    let allHandedAt = 0; // stage timing: where the time goes between API and delivery
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      counts = countStatuses();
      const now = performance.now();
      const key = JSON.stringify(counts);
      if (key !== lastKey) (lastKey = key), (lastChange = now);
      if (now - lastLog > 1000) (lastLog = now), log(`${((now - t0) / 1000).toFixed(1)} s ${key}`);
      if (acceptedAt && !allHandedAt && counts.handedToCarrier >= acceptedMessages) allHandedAt = now;
      if (acceptedAt && (counts.delivered ?? 0) >= acceptedMessages) {
        doneAt = now;
        break;
      }
      if (now - lastChange > STALL_MS) {
        log(`no progress for ${STALL_MS / 1000} s; stopping with ${key}`);
        break;
      }
    }
    await posting;
    db.close();
    api.close();

    const end = doneAt || performance.now();
    const seconds = (end - t0) / 1000;
    const delivered = counts.delivered ?? 0;
    const rss = { web: await web.stop(), worker: worker ? await worker.stop() : undefined };
    const result = {
      bench: 'send',
      shape: single ? 'single' : 'web+worker',
      messages: families,
      accepted: acceptedMessages,
      rejected,
      ...(firstRejection ? { firstRejection } : {}),
      delivered,
      statuses: Object.fromEntries(Object.entries(counts).filter(([k]) => k !== 'handedToCarrier')),
      seconds: round(seconds),
      messagesPerSecond: Math.round(delivered / seconds),
      apiAcceptPerSecond: Math.round(accepted / ((acceptedAt - t0) / 1000)),
      stagesSeconds: {
        allAccepted: round((acceptedAt - t0) / 1000),
        allHandedToCarrier: allHandedAt ? round((allHandedAt - t0) / 1000) : null,
        allDelivered: doneAt ? round(seconds) : null,
      },
      peakRssMb: single ? { single: rss.web } : rss,
      settings: { concurrency: CONCURRENCY, logLevel: env.LOG_LEVEL },
      target: TARGET,
      meetsTarget: delivered === families && delivered / seconds >= TARGET.messagesPerSecond,
    };
    return result;
  });
}

const round = (x: number) => Math.round(x * 100) / 100;
