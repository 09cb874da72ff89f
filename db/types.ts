import type { SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';

/**
 * The handle repositories query through, on either dialect. It is typed as drizzle's async
 * SQLite database because repositories are written once: PostgreSQL's handle offers the same
 * query builders under the same names (select, insert … returning, update, delete,
 * onConflictDoNothing/DoUpdate), and both dialects' tables come from one description
 * (schema/kit.ts). SQLite-only calls (.get(), .all(), .run(), .values()) are not used outside
 * the SQLite dialect module; a query is awaited, and one row is its first element.
 */
export type Db = SqliteRemoteDatabase<Record<string, never>>;

/** An open database of either dialect. */
export interface OpenedDatabase {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  ping(): Promise<void>;
  close(): Promise<void>;
}
