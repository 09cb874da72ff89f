/**
 * One API roster import's read and sync, in a process of its own (see roster-import.worker.ts):
 * takes the worker's configuration and the request over IPC, answers the report or the error,
 * and exits. It writes the database directly and needs no Redis: the worker queues the welcome
 * texts once it has the report.
 */
import { openDatabase } from '../db/client';
import { syncRosterFile } from '../src/families/roster/import';
import { createLogger } from '../src/logger';
import { errorToData, type ImportAnswer, type ImportAsk } from './roster-import-ipc';

/** Connections this process needs on PostgreSQL: the import's transaction, and one to spare. */
const POOL_SIZE = 2;

let answered = false;

// The worker gone (its process stopped or died): stop too; the uncommitted import rolls back.
process.on('disconnect', () => {
  if (!answered) process.exit(1);
});

process.once('message', (ask: ImportAsk) => {
  void run(ask).then((answer) => {
    answered = true;
    process.send!(answer, () => process.exit(0));
  });
});

async function run({ config, request }: ImportAsk): Promise<ImportAnswer> {
  const logger = createLogger(config.logLevel);
  try {
    const database = await openDatabase(config.databaseUrl, { poolSize: POOL_SIZE });
    try {
      return { report: await syncRosterFile({ db: database.db, logger }, request) };
    } finally {
      await database.close();
    }
  } catch (err) {
    return { error: errorToData(err) };
  }
}
