import { createRedis } from '../queue/connection';
import { createQueues } from '../queue/queues';
import { createLogger } from '../logger';
import type { Clock } from '../lib/clock';
import { formatPreview, previewNudges } from '../nudges/preview';
import { runNudgeTick } from '../nudges/tick';
import type { CommandContext } from './main';
import { UsageError } from './usage';

export const NUDGES_PREVIEW_OPTIONS = { family: { type: 'string' }, at: { type: 'string' } } as const;
export const NUDGES_RUN_OPTIONS = { at: { type: 'string' } } as const;

function atOf(value: unknown, required: boolean): number {
  if (value === undefined) {
    if (required) throw new UsageError('nudges run needs --at ISO-DATETIME (e.g. 2026-11-07T09:30:00-05:00)');
    return Date.now();
  }
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--at must be an ISO date and time such as 2026-11-07T09:30:00-05:00 (got ${String(value)})`);
  return ms;
}

const fixedClock = (ms: number): Clock => ({ now: () => ms });

/** `nudges preview [--family ID] [--at ISO]`: what each family would receive at that moment, or why nothing. */
export async function nudgesPreview({ values, db, config, out }: CommandContext): Promise<void> {
  const at = atOf(values.at, false);
  const familyId = values.family === undefined ? undefined : Number(values.family);
  if (familyId !== undefined && !(Number.isInteger(familyId) && familyId > 0)) throw new UsageError('--family must be a family id (a number)');
  let n = 0;
  out(`Weekend nudges as of ${new Date(at).toISOString()}:`);
  await previewNudges({ db, config }, at, (p) => {
    n++;
    for (const line of formatPreview(p)) out(line);
  }, familyId);
  if (!n) out(familyId === undefined ? 'No active families.' : `No active family #${familyId}.`);
}

/** `nudges run --at ISO`: one tick as if it were that time (sends go through the worker role's queue). */
export async function nudgesRun({ values, db, config, out }: CommandContext): Promise<void> {
  const at = atOf(values.at, true);
  const redis = createRedis(config.redisUrl);
  const queues = createQueues(redis, config.queuePrefix);
  try {
    const summary = await runNudgeTick({ db, config, queues, clock: fixedClock(at), logger: createLogger(process.env.LOG_LEVEL ?? 'warn') });
    out(`Tick as of ${new Date(at).toISOString()}: ${summary.schoolsDue} school(s) due, ${summary.sent} famil${summary.sent === 1 ? 'y' : 'ies'} sent a nudge (${summary.texts} text${summary.texts === 1 ? '' : 's'}).`);
    for (const [reason, count] of Object.entries(summary.skipped)) out(`  skipped (${reason}): ${count}`);
  } finally {
    await queues.close();
    redis.disconnect();
  }
}
