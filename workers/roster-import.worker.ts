import { fork } from 'node:child_process';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Deps } from '../src/deps';
import { QUEUE, type RosterImportJob } from '../src/queue/names';
import type { SyncFile } from '../src/families/roster/import';
import { runImport } from '../src/families/roster/import-jobs';
import { errorFromData, type ImportAnswer, type ImportAsk } from './roster-import-ipc';

/**
 * The entry of an import's own process, beside this file: a .ts file run through tsx's loader
 * when FamilyLine runs from source (`npm start` is tsx, and jest's ts-jest compiles this file in
 * memory, where no .js exists to fork), plain node from a build (`npm run build`).
 */
const CHILD = path.join(__dirname, `roster-import.child${path.extname(__filename)}`);
const CHILD_EXEC_ARGV = path.extname(__filename) === '.ts' ? ['--import', 'tsx'] : [];

/**
 * Reads and syncs an uploaded roster in a child process, so this process's event loop stays free
 * for webhooks, the staff API and the other workers while a district's export is parsed, its
 * households worked out and its one transaction runs (seconds to minutes). On SQLite the child
 * holds the file's write lock meanwhile; this process's writes wait for it asynchronously (up
 * to 5 s, then the API answers 503 and webhooks are kept in Redis: see webhook-spool.ts). On
 * PostgreSQL all waits would be asynchronous in-process too; the child is used there as well,
 * so parsing and household CPU work and the import's memory stay out of this process, and one
 * path serves both dialects. A worker thread would do for the event loop, but not for memory: a
 * process of its own gives back all it took when it exits.
 */
export const syncInChildProcess: SyncFile = (deps, request) =>
  new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: ImportAnswer | null = null;
    child.once('message', (m: ImportAnswer) => (answer = m));
    child.once('error', reject);
    // Settled once the child has exited and its IPC channel is closed: every message it sent has
    // arrived, and it has closed its database.
    child.once('close', (code, signal) => {
      if (answer === null) reject(new Error(`the roster import process stopped (${signal ?? `exit code ${code}`}) before it answered`));
      else if ('report' in answer) resolve(answer.report);
      else reject(errorFromData(answer.error));
    });
    const ask: ImportAsk = { config: deps.config, request };
    child.send(ask);
  });

/** A recorded failure (a bad file) ends the job for good; anything thrown is retried by BullMQ. */
export function rosterImportProcessor(deps: Deps) {
  return async (job: Job<RosterImportJob>): Promise<string> => {
    const outcome = await runImport(deps, job.data.importId, { lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) }, syncInChildProcess);
    if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.message);
    return outcome.kind;
  };
}

export function startRosterImportWorker(deps: Deps): Worker<RosterImportJob> {
  return new Worker<RosterImportJob>(QUEUE.rosterImport, rosterImportProcessor(deps), {
    connection: deps.redis.duplicate(),
    prefix: deps.config.queuePrefix,
    // One at a time: on SQLite each import holds the write lock for its whole transaction, and on
    // PostgreSQL imports take turns anyway (roster-transaction.ts).
    concurrency: 1,
  });
}
