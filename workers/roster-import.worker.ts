import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type RosterImportJob } from '../src/queue/names';
import { runImport } from '../src/families/roster/import-jobs';

/** A recorded failure (a bad file) ends the job for good; anything thrown is retried by BullMQ. */
export function rosterImportProcessor(deps: Deps) {
  return async (job: Job<RosterImportJob>): Promise<string> => {
    const outcome = await runImport(deps, job.data.importId, { lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
    if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.message);
    return outcome.kind;
  };
}

export function startRosterImportWorker(deps: Deps): Worker<RosterImportJob> {
  return new Worker<RosterImportJob>(QUEUE.rosterImport, rosterImportProcessor(deps), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    // One at a time: each import holds SQLite's write lock for its whole transaction.
    concurrency: 1,
    // The transaction is synchronous and blocks this process's event loop (lock renewals
    // included) for as long as it runs; a long lock keeps a big import from being taken for
    // stalled and started again elsewhere while it is still running.
    lockDuration: 10 * 60_000,
  });
}
