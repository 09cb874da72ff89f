import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type RosterImportJob } from '../src/queue/names';
import { runImport } from '../src/families/roster/import-jobs';
import { ImportProcess } from './roster-import-process';

/** A recorded failure (a bad file) ends the job for good; anything thrown is retried by BullMQ. */
export function rosterImportProcessor(deps: Deps, importProcess: ImportProcess) {
  return async (job: Job<RosterImportJob>): Promise<string> => {
    const outcome = await runImport(deps, job.data.importId, { lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) }, importProcess.sync);
    if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.message);
    return outcome.kind;
  };
}

export function startRosterImportWorker(deps: Deps): Worker<RosterImportJob> {
  // Imports are read and synced in a process of their own: see roster-import-process.ts.
  const importProcess = new ImportProcess(deps.config);
  const worker = new Worker<RosterImportJob>(QUEUE.rosterImport, rosterImportProcessor(deps, importProcess), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    // One at a time: on SQLite each import holds the write lock for its whole transaction, and on
    // PostgreSQL imports take turns anyway (roster-transaction.ts).
    concurrency: 1,
  });
  worker.on('closed', () => importProcess.close());
  return worker;
}
