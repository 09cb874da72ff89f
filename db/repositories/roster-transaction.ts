/**
 * A roster import's one transaction, with its stage readable inside it under the names
 * dialectSql().stageTable() gives. All of the import lands or none of it; a dry run does the
 * same work and rolls it back, so its report is exactly what a real run would do.
 */
import { getTableName, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client';
import { dialectSql } from '../dialects/differences';
import { rawRun } from '../dialects/raw';
import { Mutex } from '../mutex';
import { boundDialect, classes, enrollments, families, guardians, phones, students, studentGuardians } from '../schema';
import { transaction } from '../transaction';
import type { RosterStage } from './roster-stage';
import { PARSED_TABLES, pgStageSchema } from './roster-stage-tables';

/** Thrown inside a dry run's transaction so everything it wrote is rolled back. */
class DryRunRollback extends Error {
  constructor(public readonly result: unknown) {
    super('dry run');
  }
}

/** Rows per INSERT when PostgreSQL copies the stage: about a megabyte of JSON each. */
const COPY_BATCH = 5000;
/** Any constant every host agrees on: the lock that lets one PostgreSQL import run at a time. */
export const IMPORT_LOCK = 7_463_922;
/** SQLite attaches the stage under one name, so one import at a time per process attaches it. */
const attaching = new Mutex();

export async function importTransaction<T>(db: Db, stage: RosterStage, dryRun: boolean, fn: (tx: Tx) => Promise<T>): Promise<T> {
  stage.seal();
  const inTransaction = async (prepare: (tx: Tx) => Promise<void>, finish?: (tx: Tx) => Promise<void>) => {
    try {
      return await transaction(db, async (tx) => {
        await prepare(tx);
        const result = await fn(tx);
        if (dryRun) throw new DryRunRollback(result);
        await finish?.(tx);
        return result;
      });
    } catch (err) {
      if (err instanceof DryRunRollback) return err.result as T;
      throw err;
    }
  };
  if (boundDialect() === 'postgres') return inTransaction((tx) => copyStage(tx, stage), analyzeRoster);
  // SQLite attaches a database only outside a transaction.
  return attaching.runExclusive(async () => {
    await rawRun(db, sql`ATTACH DATABASE ${stage.path} AS stage`);
    try {
      return await inTransaction(async () => undefined);
    } finally {
      await rawRun(db, sql`DETACH DATABASE stage`);
    }
  });
}

/**
 * PostgreSQL: the staged tables become temporary tables of this transaction (dropped at its
 * end), filled with multi-row INSERTs of a batch each (a JSON array: see jsonRecords), then
 * keyed, indexed and analyzed (autovacuum never analyzes temporary tables, and the sync's joins
 * need the planner to know their sizes). Imports take turns, as SQLite's one writer makes them:
 * each plans its writes on what it read.
 */
async function copyStage(tx: Tx, stage: RosterStage): Promise<void> {
  const { stageTable, jsonRecords } = dialectSql();
  await rawRun(tx, sql`SELECT pg_advisory_xact_lock(${IMPORT_LOCK})`);
  const schema = pgStageSchema(stageTable);
  for (const ddl of schema.create) await rawRun(tx, sql.raw(ddl));
  for (const { name, columns, flags } of PARSED_TABLES) {
    const table = stageTable(name);
    for (const rows of stage.batches(name, flags, COPY_BATCH)) {
      await rawRun(tx, sql`INSERT INTO ${sql.raw(table)} (${sql.raw(columns.join(', '))}) ${jsonRecords(table, columns, JSON.stringify(rows))}`);
    }
  }
  for (const ddl of schema.afterCopy) await rawRun(tx, sql.raw(ddl));
  await rawRun(tx, sql.raw(`ANALYZE ${PARSED_TABLES.map((t) => stageTable(t.name)).join(', ')}`));
}

/**
 * PostgreSQL: the roster's tables analyzed as the import commits, so the planner knows their new
 * sizes at once: a district's first import takes them from empty to tens of thousands of rows, and
 * a broadcast sent before autovacuum's next pass (up to a minute or more) would be planned for
 * empty tables, walking every student of the school for each page of its fan-out.
 */
async function analyzeRoster(tx: Tx): Promise<void> {
  const tables = [families, guardians, phones, students, studentGuardians, classes, enrollments].map((t) => getTableName(t));
  await rawRun(tx, sql.raw(`ANALYZE ${tables.join(', ')}`));
}
