/**
 * The per-dialect column helpers every table is described with. The tables in tables/*.ts are
 * written once against this kit and built twice: with the SQLite kit (the embedded default) and
 * the PostgreSQL kit (several hosts). The kit's types are SQLite's: repositories are typed
 * against one dialect and run on either, since both tables carry the same columns under the
 * same names and TypeScript types.
 */
import * as pg from 'drizzle-orm/pg-core';
import * as lite from 'drizzle-orm/sqlite-core';

export interface SchemaKit {
  table: typeof lite.sqliteTable;
  /** Integer primary key the database numbers itself. */
  id: () => ReturnType<typeof liteId>;
  integer: (name: string) => ReturnType<typeof liteInteger>;
  text: typeof lite.text;
  bool: (name: string) => ReturnType<typeof liteBool>;
  /** Bytes, read back as a Buffer: SQLite's blob, PostgreSQL's bytea. */
  bytes: (name: string) => ReturnType<typeof liteBytes>;
  index: typeof lite.index;
  uniqueIndex: typeof lite.uniqueIndex;
  primaryKey: typeof lite.primaryKey;
}

const liteId = () => lite.integer('id').primaryKey({ autoIncrement: true });
const liteInteger = (name: string) => lite.integer(name);
const liteBool = (name: string) => lite.integer(name, { mode: 'boolean' });
const liteBytes = (name: string) => lite.blob(name, { mode: 'buffer' });
/** drizzle's pg-core has no bytea builder; node-postgres reads and writes bytea as a Buffer. */
const pgBytes = pg.customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const sqliteKit: SchemaKit = {
  table: lite.sqliteTable,
  id: liteId,
  integer: liteInteger,
  text: lite.text,
  bool: liteBool,
  bytes: liteBytes,
  index: lite.index,
  uniqueIndex: lite.uniqueIndex,
  primaryKey: lite.primaryKey,
};

/**
 * PostgreSQL's builders behind the same signatures. The casts are the one place where the two
 * dialects' TypeScript types meet; the objects are PostgreSQL's own, so drizzle-kit and the
 * node-postgres driver see real pg tables.
 */
export const pgKit = {
  table: pg.pgTable,
  id: () => pg.integer('id').primaryKey().generatedByDefaultAsIdentity(),
  integer: (name: string) => pg.integer(name),
  text: pg.text,
  bool: (name: string) => pg.boolean(name),
  bytes: (name: string) => pgBytes(name),
  index: pg.index,
  uniqueIndex: pg.uniqueIndex,
  primaryKey: pg.primaryKey,
} as unknown as SchemaKit;
