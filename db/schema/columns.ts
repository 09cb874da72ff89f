import type { SchemaKit } from './kit';

/** Timestamps are UTC ISO-8601 strings in both dialects, so they compare and sort as text. */
export const createdAt = (k: SchemaKit) => k.text('created_at').notNull();
export const updatedAt = (k: SchemaKit) => k.text('updated_at').notNull();
