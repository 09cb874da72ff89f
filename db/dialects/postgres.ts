/**
 * PostgreSQL for several hosts: a node-postgres pool through drizzle. Migrations run at start
 * under an advisory lock, so hosts that start together migrate once.
 */
import path from 'node:path';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Db, OpenedDatabase } from '../types';
import { bindTables, type Tables } from '../schema';
import { pgTables } from '../schema/pg';

const MIGRATIONS = path.join(__dirname, '..', 'migrations', 'pg');
/** Any constant both hosts agree on: the lock that makes one of them migrate. */
const MIGRATION_LOCK = 7_463_921;
const INT8 = 20;

/**
 * count(*) and sums are int8, which node-postgres returns as text to be safe past 2^53; every
 * count FamilyLine makes is far below that, and SQLite returns numbers, so both agree. Set on
 * node-postgres's own table: drizzle passes its type parsers with every query, and they fall
 * back to this one.
 */
pg.types.setTypeParser(INT8, (v: string) => Number(v));

/**
 * Every statement is planned for the table as it is when it runs. FamilyLine's statements are
 * prepared (db/prepared.ts), and PostgreSQL would otherwise settle, after five runs on a
 * connection, on one generic plan made for the table as it was then: a connection that started
 * while a table was small (a new district, or the messages of a broadcast whose fan-out has just
 * begun) would go on scanning it for every batch long after it had grown. Measured on the
 * broadcast benchmark (20,000 families): the status callbacks' read by sid took 22 ms a batch with
 * settled plans, under 1 ms planned each time, and the whole broadcast ran a quarter faster.
 */
const PLAN_EACH_TIME = '-c plan_cache_mode=force_custom_plan';

export async function openPostgres(databaseUrl: string, poolSize: number, onIdleError: (err: Error) => void): Promise<OpenedDatabase> {
  bindTables('postgres', pgTables as Tables);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, options: PLAN_EACH_TIME });
  // An idle client's error (the server restarted or ended it) is the pool's to report; unheard, it
  // would be thrown and end the process. The pool has already discarded that client.
  pool.on('error', onIdleError);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
  const db = drizzle(pool) as unknown as Db;
  return {
    db,
    dialect: 'postgres',
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}

/**
 * A new, empty database on the server `serverUrl` names, for one test file or one benchmark run;
 * `drop()` removes it (closing whatever is still connected to it).
 */
export async function createScratchDatabase(serverUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const dbName = `${name.replace(/\W/g, '_')}_${process.pid}_${Math.random().toString(16).slice(2, 8)}`.toLowerCase().slice(0, 60);
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`) };
}
