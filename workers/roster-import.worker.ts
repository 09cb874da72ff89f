import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type RosterImportJob } from '../src/queue/names';
import { ROSTER_IMPORT_ATTEMPTS } from '../src/queue/queues';
import { giveUpImport, runImport } from '../src/families/roster/import-jobs';
import { ImportProcess } from './roster-import-process';

/** A recorded failure (a bad file) ends the job for good; anything thrown is retried by BullMQ. */
export function rosterImportProcessor(deps: Deps, importProcess: ImportProcess) {
  return async (job: Job<RosterImportJob>): Promise<string> => {
    // attemptsStarted counts runs a crash cut short too, which attemptsMade does not.
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || job.attemptsStarted >= ROSTER_IMPORT_ATTEMPTS;
    const outcome = await runImport(deps, job.data.importId, { lastAttempt }, importProcess.sync);
    if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.message);
    return outcome.kind;
  };
}

export function startRosterImportWorker(deps: Deps): Worker<RosterImportJob> {
  // Imports are read and synced in a process of their own (roster-import-process.ts), so this
  // process renews the job's lock as usual while one runs: BullMQ's default lock will do.
  const importProcess = new ImportProcess(deps.config);
  const worker = new Worker<RosterImportJob>(QUEUE.rosterImport, rosterImportProcessor(deps, importProcess), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    // One at a time: on SQLite each import holds the write lock for its whole transaction, and on
    // PostgreSQL imports take turns anyway (roster-transaction.ts).
    concurrency: 1,
    // An import whose process died under it (a restart, out of memory) is started again, but
    // not forever: past either bound BullMQ fails the job without running it, and the
    // 'failed' handler below records the import failed.
    maxStalledCount: 1,
    maxStartedAttempts: ROSTER_IMPORT_ATTEMPTS,
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    void (async () => {
      // 'failed' also fires for an attempt BullMQ will retry; only a job failed for good is given up.
      if ((await job.getState()) !== 'failed') return;
      await giveUpImport(deps, job.data.importId, job.attemptsStarted);
    })().catch((e: unknown) => deps.logger.error({ importId: job.data.importId, err: e, jobError: err.message }, 'could not record a given-up roster import'));
  });
  worker.on('closed', () => importProcess.close());
  return worker;
}
