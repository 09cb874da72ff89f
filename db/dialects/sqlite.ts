/**
 * The embedded default: one better-sqlite3 connection, made async for repositories written
 * once for both dialects. better-sqlite3 runs each statement synchronously, so one connection
 * serves a whole process; what it cannot do alone is keep an async transaction to itself. Every
 * statement therefore goes through one queue (as Kysely's SQLite driver does it): while a
 * transaction is open, statements from any other async context wait until it commits, so an
 * awaited query inside a transaction never interleaves with another request's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import Database, { type Statement } from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle as syncDrizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import type { Db, OpenedDatabase } from '../types';
import { Mutex } from '../mutex';
import { bindTables } from '../schema';
import { sqliteTables } from '../schema/sqlite';

const MIGRATIONS = path.join(__dirname, '..', 'migrations', 'sqlite');
/** Prepared statements kept per connection; a query whose IN-list varies makes new texts, so it is bounded. */
const MAX_STATEMENTS = 2000;
/**
 * Another process (a roster import from the CLI, a second role on this host) may hold the
 * file's write lock. better-sqlite3 waits for it synchronously, stalling the event loop, so the
 * wait here is short and the rest of it is spent asynchronously between tries.
 */
const BUSY_SYNC_WAIT_MS = 20;
const BUSY_GIVE_UP_MS = 5000;
const BUSY_PAUSE_MS = 25;

type Method = 'run' | 'all' | 'values' | 'get';

export class SqliteConnection {
  readonly raw: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private readonly lock = new Mutex();
  /** Which async context owns the open transaction, if any. */
  private readonly context = new AsyncLocalStorage<symbol>();
  private owner: symbol | null = null;

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.raw = new Database(file);
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma(`busy_timeout = ${BUSY_SYNC_WAIT_MS}`);
    this.raw.pragma('foreign_keys = ON');
    this.raw.pragma('synchronous = NORMAL');
  }

  /** The statement callback drizzle's async SQLite driver calls for every query. */
  readonly execute = async (text: string, params: unknown[], method: Method): Promise<{ rows: unknown[] }> =>
    this.schedule(() => this.run(text, params, method));

  /**
   * Raw SQL with its rows as objects by column name (drizzle's raw queries give arrays), queued
   * like every statement: for set-based SQL no query builder spells (see dialects/raw.ts).
   */
  readonly query = async (text: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[]; changes: number }> =>
    this.schedule(() => {
      const statement = this.prepare(text);
      if (statement.reader) return { rows: statement.raw(false).all(...params) as Record<string, unknown>[], changes: 0 };
      return { rows: [], changes: statement.run(...params).changes };
    });

  private async schedule<T>(work: () => T): Promise<T> {
    if (this.owner !== null && this.context.getStore() === this.owner) return work();
    // A statement runs synchronously, so with no transaction open or waiting it cannot interleave.
    if (this.lock.idle) return this.whileBusy(work);
    return this.lock.runExclusive(() => this.whileBusy(work));
  }

  /** True inside a transaction of this connection's (in its async context). */
  insideTransaction(): boolean {
    return this.owner !== null && this.context.getStore() === this.owner;
  }

  /** Runs fn as one IMMEDIATE transaction that no other statement of this process can enter. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.owner !== null && this.context.getStore() === this.owner) return fn();
    return this.lock.runExclusive(async () => {
      await this.whileBusy(() => this.raw.exec('BEGIN IMMEDIATE'));
      const token = Symbol('transaction');
      this.owner = token;
      try {
        const result = await this.context.run(token, fn);
        this.raw.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw err;
      } finally {
        this.owner = null;
      }
    });
  }

  close(): void {
    if (this.raw.open) this.raw.close();
  }

  private run(text: string, params: unknown[], method: Method): { rows: unknown[]; changes?: number } {
    const statement = this.prepare(text);
    if (method === 'run') {
      if (statement.reader) return { rows: statement.raw(true).all(...params) as unknown[] };
      const info = statement.run(...params);
      return { rows: [], changes: info.changes };
    }
    if (method === 'get') return { rows: statement.raw(true).get(...params) as unknown[] };
    return { rows: statement.raw(true).all(...params) as unknown[] };
  }

  private prepare(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      statement = this.raw.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private async whileBusy<T>(work: () => T): Promise<T> {
    const started = Date.now();
    for (;;) {
      try {
        return work();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!(code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') || Date.now() - started >= BUSY_GIVE_UP_MS) throw err;
      }
      await new Promise((r) => setTimeout(r, BUSY_PAUSE_MS));
    }
  }
}

const connections = new WeakMap<object, SqliteConnection>();

/** The connection behind a SQLite handle, or undefined for a PostgreSQL one. */
export function sqliteConnectionOf(db: object): SqliteConnection | undefined {
  return connections.get(db);
}

export function openSqlite(databaseUrl: string): OpenedDatabase {
  bindTables('sqlite', sqliteTables);
  const connection = new SqliteConnection(databaseUrl.replace(/^file:/, ''));
  migrate(syncDrizzle(connection.raw), { migrationsFolder: MIGRATIONS });
  const db = drizzle(connection.execute) as unknown as Db;
  connections.set(db, connection);
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      await db.run(sql`select 1`);
    },
    async close() {
      connection.close();
    },
  };
}
