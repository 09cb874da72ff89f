import { createLogger } from '../logger';
import { systemClock } from '../lib/clock';
import { createRedis } from '../queue/connection';
import { createQueues, type Queues } from '../queue/queues';
import { importRoster } from '../families/roster/import';
import { formatReport } from '../families/roster/report';
import { cliImportScope } from '../staff/scope';
import type { CommandContext } from './main';
import { UsageError } from './usage';

/** `roster import <path>`: reads the export, syncs it in one transaction, prints the report. */
export async function rosterImport({ values, positionals, db, config, out }: CommandContext): Promise<void> {
  const path = positionals[0];
  if (!path) throw new UsageError('roster import needs the path of a OneRoster folder or .zip, or a flat .csv');
  const format = values.format;
  if (format !== undefined && format !== 'oneroster' && format !== 'flat') throw new UsageError('--format must be oneroster or flat');
  const schoolId = values.school === undefined ? undefined : Number(values.school);
  if (schoolId !== undefined && !Number.isInteger(schoolId)) throw new UsageError('--school must be a school id (a number)');
  const dryRun = values['dry-run'] === true;
  const welcome = values['no-welcome'] !== true && !dryRun;

  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  let queues: Queues | undefined;
  const redis = welcome ? createRedis(config.redisUrl) : null;
  try {
    if (redis) {
      await answersWithin(redis.ping(), 3000, `Redis at ${config.redisUrl} does not answer; welcome texts need it (or pass --no-welcome)`);
      queues = createQueues(redis, config.queuePrefix);
    }
    const report = await importRoster(
      { db, config, clock: systemClock, logger, queues },
      { path, format, scope: cliImportScope(schoolId), timezone: values.timezone as string | undefined, from: values.from as string | undefined, dryRun, welcome },
    );
    out(formatReport(report));
  } finally {
    await queues?.close();
    redis?.disconnect();
  }
}

async function answersWithin<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
