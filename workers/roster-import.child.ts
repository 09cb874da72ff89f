/**
 * The process API roster imports are read and synced in (see roster-import-process.ts): takes
 * one import at a time over IPC with the worker's configuration, answers its report or its
 * error, and stays for the next until the worker lets it go. It writes the database directly and
 * needs no Redis: the worker queues the welcome texts once it has the report.
 */
import { openDatabase, type OpenedDatabase } from '../db/client';
import { syncRosterFile } from '../src/families/roster/sync-file';
import { systemClock } from '../src/lib/clock';
import { createLogger } from '../src/logger';
import { errorToData, type ImportAnswer, type ImportAsk } from './roster-import-ipc';

/** Connections this process needs on PostgreSQL: the import's transaction, and one to spare. */
const POOL_SIZE = 2;

let database: Promise<OpenedDatabase> | null = null;

async function run({ config, request }: ImportAsk): Promise<ImportAnswer> {
  try {
    database ??= openDatabase(config.databaseUrl, { poolSize: POOL_SIZE });
    const { db } = await database;
    return { report: await syncRosterFile({ db, config, clock: systemClock, logger: createLogger(config.logLevel) }, request) };
  } catch (err) {
    return { error: errorToData(err) };
  }
}

process.on('message', (ask: ImportAsk) => {
  void run(ask).then((answer) => process.send!(answer));
});

// The worker let this process go (idle, or stopping) or died: an import still running was not
// committed, so it rolls back with the process.
process.on('disconnect', () => process.exit(0));
