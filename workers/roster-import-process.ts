import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../src/config';
import type { SyncFile } from '../src/families/roster/import';
import type { ImportReport } from '../src/families/roster/report';
import { Mutex } from '../db/mutex';
import { errorFromData, type ImportAnswer, type ImportAsk } from './roster-import-ipc';

/**
 * The entry of the import process, beside this file: a .ts file run through tsx's loader when
 * FamilyLine runs from source (`npm start` is tsx, and under jest ts-jest compiles this file in
 * memory, so there is no .js to fork), plain node from a build (`npm run build`).
 */
const CHILD = path.join(__dirname, `roster-import.child${path.extname(__filename)}`);
const CHILD_EXEC_ARGV = path.extname(__filename) === '.ts' ? ['--import', 'tsx'] : [];
/** An import process with nothing to do this long is let go, and the memory it took with it. */
const IDLE_MS = 2 * 60_000;

/**
 * API roster imports are read and synced in a process of their own (roster-import.child.ts), so
 * this process's event loop stays free for webhooks, the staff API and the other workers while a
 * district's export is parsed, its households worked out and its one transaction runs (seconds
 * to minutes). On SQLite the import process holds the file's write lock meanwhile; this process's
 * writes wait for it asynchronously (up to 5 s, then the API answers 503 and webhooks are kept in
 * Redis: see webhook-spool.ts). On PostgreSQL every wait would be asynchronous in-process too; the
 * same process is used there, so parsing and household work and the import's memory stay out of
 * the web process, and one path serves both dialects. A worker thread would free the event loop
 * but not the memory: a process gives back all it took when it exits.
 *
 * Starting one costs seconds (node, tsx, the database modules), so it is started at the first
 * import, kept for the next, and let go after IDLE_MS without one or when the worker stops. It
 * takes one import at a time, as the worker does.
 */
export class ImportProcess {
  private child: ChildProcess | null = null;
  private readonly turns = new Mutex();
  private idle: NodeJS.Timeout | null = null;

  constructor(private readonly config: Config) {}

  readonly sync: SyncFile = (_deps, request) => this.turns.runExclusive(() => this.ask({ config: this.config, request }));

  /** Lets the process go; an import it is running rolls back. */
  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.child?.disconnect();
    this.child = null;
  }

  private ask(ask: ImportAsk): Promise<ImportReport> {
    if (this.idle) clearTimeout(this.idle);
    const child = this.child && this.child.connected ? this.child : this.start();
    return new Promise<ImportReport>((resolve, reject) => {
      const answered = (answer: ImportAnswer) => {
        child.off('exit', exited);
        if ('report' in answer) resolve(answer.report);
        else reject(errorFromData(answer.error));
      };
      const exited = (code: number | null, signal: NodeJS.Signals | null) => {
        child.off('message', answered);
        reject(new Error(`the roster import process stopped (${signal ?? `exit code ${code}`}) before it answered`));
      };
      child.once('message', answered);
      child.once('exit', exited);
      child.send(ask);
    }).finally(() => {
      this.idle = setTimeout(() => this.close(), IDLE_MS).unref();
    });
  }

  private start(): ChildProcess {
    const child = fork(CHILD, [], { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    this.child = child;
    return child;
  }
}
