import { integer, text } from 'drizzle-orm/sqlite-core';

/** Shared column shapes: integer ids, UTC ISO-8601 timestamps as text. */
export const id = () => integer('id').primaryKey({ autoIncrement: true });
export const createdAt = () => text('created_at').notNull();
export const updatedAt = () => text('updated_at').notNull();
export const bool = (name: string) => integer(name, { mode: 'boolean' });
