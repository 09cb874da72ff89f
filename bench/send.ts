/**
 * `npm run bench -- send [--single] [--messages N] [--db sqlite|postgres]`: messages per second
 * from the staff API to "delivered" in the carrier simulator, with pacing off on both sides
 * (school mps 0, simulator mps null). Production shape by default: the web, worker and sim roles
 * each in a child process of its own, sharing the database and QUEUE_PREFIX, the others finding
 * the simulator at SIM_URL; --single runs all three in one child.
 */
import path from 'node:path';
import { count, eq, isNotNull, and } from 'drizzle-orm';
import { openDatabase } from '../db/client';
import { messages } from '../db/schema';
import { roleEnv, startChild } from './lib/children';
import { jsonClient, pool } from './lib/http';
import { seed } from './lib/seed';
import { dialectArg, freePort, log, runWithChildren } from './lib/workspace';

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
  await runWithChildren('send', dialectArg(args), async (ws, children) => {
    const seeded = await seed(ws.databaseUrl, { families, mps: 0, conversations: true, token: true });
    const port = await freePort();
    const simPort = single ? port : await freePort();
    const base = `http://127.0.0.1:${port}`;
    const simBase = `http://127.0.0.1:${simPort}`;
    const env = roleEnv(ws, base, simBase);
    const logFile = path.join(ws.dir, 'children.log');
    const sim = single ? null : await startChild('sim', ['familyline', 'sim'], { ...env, PORT: String(simPort) }, logFile);
    if (sim) children.push(sim);
    const web = await startChild(single ? 'single' : 'web', ['familyline', single ? 'web,worker,sim' : 'web'], { ...env, PORT: String(port) }, logFile);
    children.push(web);
    const worker = single ? null : await startChild('worker', ['familyline', 'worker'], { ...env, PORT: '0' }, logFile);
    if (worker) children.push(worker);

    const api = jsonClient(base, { authorization: `Bearer ${seeded.token}` }, CONCURRENCY);
    const simApi = jsonClient(simBase, {}, 1);
    const pacing = await simApi.request('POST', '/sim/api/settings', { mps: null });
    simApi.close();
    if (pacing.status !== 200) throw new Error(`could not switch simulator pacing off: ${pacing.status} ${JSON.stringify(pacing.json)}`);

    const database = await openDatabase(ws.databaseUrl);
    const outbound = eq(messages.direction, 'outbound');
    const countStatuses = async (): Promise<Counts> => {
      const rows = await database.db.select({ status: messages.status, n: count() }).from(messages).where(outbound).groupBy(messages.status);
      const [handed] = await database.db.select({ n: count() }).from(messages).where(and(outbound, isNotNull(messages.providerSid)));
      // handedToCarrier: the simulator answered 201 (its sid is stored), whatever the status says.
      return { ...Object.fromEntries(rows.map((r) => [r.status, r.n])), handedToCarrier: handed.n };
    };

    log(`${single ? 'single process' : 'web + worker + sim'}: posting ${families} replies, ${CONCURRENCY} at a time`);
    const cpuAtStart = children.map((c) => c.cpuMs());
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
      counts = await countStatuses();
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
    const cpuMs = children.map((c, i) => [c.name, c.cpuMs(), cpuAtStart[i]] as const);
    await database.close();
    api.close();

    const end = doneAt || performance.now();
    const seconds = (end - t0) / 1000;
    const delivered = counts.delivered ?? 0;
    const rss = { web: await web.stop(), worker: worker ? await worker.stop() : undefined, sim: sim ? await sim.stop() : undefined };
    const result = {
      bench: 'send',
      shape: single ? 'single' : 'web+worker+sim',
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
      // Each process's CPU time per delivered message: steadier than messages/s on a shared machine.
      cpuMsPerMessage: Object.fromEntries(cpuMs.map(([name, end, start]) => [name, end === null || start === null || !delivered ? null : round((end - start) / delivered)])),
      settings: { concurrency: CONCURRENCY, logLevel: env.LOG_LEVEL },
      target: TARGET,
      meetsTarget: delivered === families && delivered / seconds >= TARGET.messagesPerSecond,
    };
    return result;
  });
}

const round = (x: number) => Math.round(x * 100) / 100;
