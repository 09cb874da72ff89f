/**
 * `npm run bench -- send [--single] [--messages N] [--db sqlite|postgres]`: messages per second
 * from the staff API to "delivered" in the carrier simulator, with pacing off on both sides
 * (school mps 0, simulator mps null). Production shape by default: the web, worker and sim roles
 * each in a child process of its own, sharing the database and QUEUE_PREFIX, the others finding
 * the simulator at SIM_URL; --single runs all three in one child. First, in the same run, the
 * baseline: the same hops with no FamilyLine work (bench/lib/bare-pipeline.ts), same load.
 */
import path from 'node:path';
import { count, eq, isNotNull, and } from 'drizzle-orm';
import { openDatabase } from '../db/client';
import { messages } from '../db/schema';
import { roleEnv, startBareChildren, startChild, type ServerChild } from './lib/children';
import { jsonClient, pool } from './lib/http';
import { seed } from './lib/seed';
import { dialectArg, freePort, log, runWithChildren, type Workspace } from './lib/workspace';

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

interface Drive {
  /** Posts text i; answers the API's status and body. */
  post(i: number): Promise<{ status: number; json: unknown }>;
  /** Message counts by status (and handedToCarrier where known), polled every POLL_MS. */
  counts(): Promise<Counts>;
}

/**
 * Posts `n` texts CONCURRENCY at a time and polls until every accepted one is delivered, or
 * nothing moved for STALL_MS; measures the children's CPU over the same span.
 */
async function drive(label: string, n: number, children: ServerChild[], d: Drive) {
  log(`${label}: posting ${n} texts, ${CONCURRENCY} at a time`);
  const cpuAtStart = children.map((c) => c.cpuMs());
  const t0 = performance.now();
  let accepted = 0;
  let acceptedMessages = 0;
  const rejected: Counts = {};
  let firstRejection: unknown = null;
  let acceptedAt = 0;
  const posting = pool(n, CONCURRENCY, async (i) => {
    const r = await d.post(i);
    if (r.status === 202) {
      accepted++;
      acceptedMessages += (r.json as { recipients?: unknown[] }).recipients?.length ?? 1;
    } else {
      rejected[r.status] = (rejected[r.status] ?? 0) + 1;
      firstRejection ??= r.json;
    }
  }).then(() => (acceptedAt = performance.now()));

  let counts: Counts = {};
  let lastChange = performance.now();
  let lastKey = '';
  let lastLog = 0;
  let doneAt = 0;
  let allHandedAt = 0; // stage timing: where the time goes between API and delivery
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    counts = await d.counts();
    const now = performance.now();
    const key = JSON.stringify(counts);
    if (key !== lastKey) (lastKey = key), (lastChange = now);
    if (now - lastLog > 1000) (lastLog = now), log(`${label} ${((now - t0) / 1000).toFixed(1)} s ${key}`);
    if (acceptedAt && !allHandedAt && counts.handedToCarrier >= acceptedMessages) allHandedAt = now;
    if (acceptedAt && (counts.delivered ?? 0) >= acceptedMessages) {
      doneAt = now;
      break;
    }
    if (now - lastChange > STALL_MS) {
      log(`${label}: no progress for ${STALL_MS / 1000} s; stopping with ${key}`);
      break;
    }
  }
  await posting;
  const cpuMs = children.map((c, i) => [c.name, c.cpuMs(), cpuAtStart[i]] as const);
  const seconds = ((doneAt || performance.now()) - t0) / 1000;
  const delivered = counts.delivered ?? 0;
  const perMessage = cpuMs.map(([name, end, start]) => [name, end === null || start === null || !delivered ? null : (end - start) / delivered] as const);
  return {
    accepted: acceptedMessages,
    rejected,
    ...(firstRejection ? { firstRejection } : {}),
    delivered,
    counts,
    seconds: round(seconds),
    messagesPerSecond: Math.round(delivered / seconds),
    apiAcceptPerSecond: Math.round(accepted / ((acceptedAt - t0) / 1000)),
    stagesSeconds: {
      allAccepted: round((acceptedAt - t0) / 1000),
      allHandedToCarrier: allHandedAt ? round((allHandedAt - t0) / 1000) : null,
      allDelivered: doneAt ? round(seconds) : null,
    },
    // Each process's CPU time per delivered message: steadier than messages/s on a shared machine.
    cpuMsPerMessage: Object.fromEntries(perMessage.map(([name, ms]) => [name, ms === null ? null : round(ms)])),
    cpuMsPerMessageTotal: perMessage.every(([, ms]) => ms !== null) ? round(perMessage.reduce((a, [, ms]) => a + ms!, 0)) : null,
  };
}

/** The baseline: bare web, worker and sim children (bench/lib/bare-pipeline.ts) under the same load, on a queue prefix of their own. */
async function runBaseline(ws: Workspace, n: number, children: ServerChild[], logFile: string) {
  const { base, bare } = await startBareChildren(ws, logFile);
  children.push(...bare);
  const api = jsonClient(base, {}, CONCURRENCY);
  const poll = jsonClient(base, {}, 1);
  const run = await drive('baseline', n, bare, {
    post: (i) => api.request('POST', `/api/v1/conversations/${i}/messages`, { body: BODY }),
    counts: async () => (await poll.request('GET', '/counts')).json as Counts,
  });
  api.close();
  poll.close();
  for (const c of bare) await c.stop();
  const names = (cpu: Record<string, number | null>) => Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k.replace(/^bare-/, ''), v]));
  return { ...run, cpuMsPerMessage: names(run.cpuMsPerMessage) };
}

export async function main(args: string[]): Promise<void> {
  const single = args.includes('--single');
  const families = Number(argValue(args, '--messages') ?? 3000);
  await runWithChildren('send', dialectArg(args), async (ws, children) => {
    const logFile = path.join(ws.dir, 'children.log');
    const baseline = await runBaseline(ws, families, children, logFile);

    const seeded = await seed(ws.databaseUrl, { families, mps: 0, conversations: true, token: true });
    const port = await freePort();
    const simPort = single ? port : await freePort();
    const base = `http://127.0.0.1:${port}`;
    const simBase = `http://127.0.0.1:${simPort}`;
    const env = roleEnv(ws, base, simBase);
    const sim = single ? null : await startChild('sim', ['familyline', 'sim'], { ...env, PORT: String(simPort) }, logFile);
    if (sim) children.push(sim);
    const web = await startChild(single ? 'single' : 'web', ['familyline', single ? 'web,worker,sim' : 'web'], { ...env, PORT: String(port) }, logFile);
    children.push(web);
    const worker = single ? null : await startChild('worker', ['familyline', 'worker'], { ...env, PORT: '0' }, logFile);
    if (worker) children.push(worker);
    const flChildren = [sim, web, worker].filter((c): c is ServerChild => c !== null);

    const api = jsonClient(base, { authorization: `Bearer ${seeded.token}` }, CONCURRENCY);
    const simApi = jsonClient(simBase, {}, 1);
    const pacing = await simApi.request('POST', '/sim/api/settings', { mps: null });
    simApi.close();
    if (pacing.status !== 200) throw new Error(`could not switch simulator pacing off: ${pacing.status} ${JSON.stringify(pacing.json)}`);

    const database = await openDatabase(ws.databaseUrl);
    const outbound = eq(messages.direction, 'outbound');
    const fl = await drive(single ? 'single process' : 'web + worker + sim', families, flChildren, {
      post: (i) => api.request('POST', `/api/v1/conversations/${seeded.conversationIds[i]}/messages`, { body: BODY }),
      async counts() {
        const rows = await database.db.select({ status: messages.status, n: count() }).from(messages).where(outbound).groupBy(messages.status);
        const [handed] = await database.db.select({ n: count() }).from(messages).where(and(outbound, isNotNull(messages.providerSid)));
        // handedToCarrier: the simulator answered 201 (its sid is stored), whatever the status says.
        return { ...Object.fromEntries(rows.map((r) => [r.status, r.n])), handedToCarrier: handed.n };
      },
    });
    await database.close();
    api.close();

    const rss = { web: await web.stop(), worker: worker ? await worker.stop() : undefined, sim: sim ? await sim.stop() : undefined };
    const { counts, cpuMsPerMessage, cpuMsPerMessageTotal, ...figures } = fl;
    const result = {
      bench: 'send',
      shape: single ? 'single' : 'web+worker+sim',
      messages: families,
      ...figures,
      statuses: Object.fromEntries(Object.entries(counts).filter(([k]) => k !== 'handedToCarrier')),
      peakRssMb: single ? { single: rss.web } : rss,
      cpuMsPerMessage: { ...cpuMsPerMessage, total: cpuMsPerMessageTotal },
      baseline: {
        messagesPerSecond: baseline.messagesPerSecond,
        seconds: baseline.seconds,
        delivered: baseline.delivered,
        apiAcceptPerSecond: baseline.apiAcceptPerSecond,
        cpuMsPerMessage: { ...baseline.cpuMsPerMessage, total: baseline.cpuMsPerMessageTotal },
      },
      // FamilyLine over the baseline: messages/s (higher is better) and CPU per message (lower is better).
      ratio: round3(fl.messagesPerSecond / baseline.messagesPerSecond),
      cpuRatio: cpuMsPerMessageTotal !== null && baseline.cpuMsPerMessageTotal ? round3(cpuMsPerMessageTotal / baseline.cpuMsPerMessageTotal) : null,
      settings: { concurrency: CONCURRENCY, logLevel: env.LOG_LEVEL },
      target: TARGET,
      meetsTarget: fl.delivered === families && fl.messagesPerSecond >= TARGET.messagesPerSecond,
    };
    return result;
  }, { watchdogMs: 240_000 });
}

const round = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
