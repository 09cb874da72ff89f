import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type RosterImportJob } from '../src/queue/names';
import { ROSTER_IMPORT_ATTEMPTS } from '../src/queue/queues';
import { giveUpImport, runImport } from '../src/families/roster/import-jobs';

/** A recorded failure (a bad file) ends the job for good; anything thrown is retried by BullMQ. */
export function rosterImportProcessor(deps: Deps) {
  return async (job: Job<RosterImportJob>): Promise<string> => {
    // attemptsStarted counts runs a crash cut short too, which attemptsMade does not.
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || job.attemptsStarted >= ROSTER_IMPORT_ATTEMPTS;
    const outcome = await runImport(deps, job.data.importId, { lastAttempt });
    if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.message);
    return outcome.kind;
  };
}

export function startRosterImportWorker(deps: Deps): Worker<RosterImportJob> {
  const worker = new Worker<RosterImportJob>(QUEUE.rosterImport, rosterImportProcessor(deps), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    // One at a time: each import holds SQLite's write lock for its whole transaction.
    concurrency: 1,
    // The transaction is synchronous and blocks this process's event loop (lock renewals
    // included) for as long as it runs; a long lock keeps a big import from being taken for
    // stalled and started again elsewhere while it is still running. The import stops itself
    // at ROSTER_MAX_SECONDS (checked between the sync's steps), well inside the lock.
    lockDuration: Math.max(10 * 60_000, 2 * deps.config.rosterLimits.maxSeconds * 1000),
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
  return worker;
}
