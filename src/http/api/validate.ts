import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors';

/** zod issues → `fields` keyed by dotted path ("guardians.0.phone"). */
function fieldsOf(error: z.ZodError, where: 'body' | 'query'): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const keys =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of keys) {
      const key = path.length ? path.map(String).join('.') : where;
      if (fields[key]) continue;
      if (issue.code === 'unrecognized_keys') fields[key] = 'unknown field';
      else if (!path.length && where === 'body') fields[key] = 'must be a JSON object, sent as application/json';
      else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) fields[key] = 'is required';
      else fields[key] = issue.message;
    }
  }
  return fields;
}

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const r = schema.safeParse(req.body);
  if (!r.success) throw AppError.validation(fieldsOf(r.error, 'body'));
  return r.data;
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const r = schema.safeParse(req.query ?? {});
  if (!r.success) throw AppError.validation(fieldsOf(r.error, 'query'), 'The query string is not valid');
  return r.data;
}

/** A path id that cannot be a row id is simply not found. */
export function idParam(req: Request, what: string, name = 'id'): number {
  const raw = req.params[name];
  const id = typeof raw === 'string' && /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) throw AppError.notFound(what);
  return id;
}

/** A decimal id in a query string (?schoolId=3). */
export const queryId = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be a positive integer id')
  .transform(Number);

export const queryBool = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');


/** ?limit=&cursor= shared by every list. The cursor is opaque: base64url JSON of the last sort key. */
export const pageQuery = {
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 500')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500'))
    .optional(),
  cursor: z.string().max(500, 'is not a valid cursor').optional(),
};

export const DEFAULT_LIMIT = 50;

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string | undefined): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // Anything a client made up rather than copied from nextCursor: their error, not ours.
    throw AppError.validation({ cursor: 'is not a valid cursor' });
  }
  const r = schema.safeParse(value);
  if (!r.success) throw AppError.validation({ cursor: 'is not a valid cursor' });
  return r.data;
}

/** Repositories fetch limit + 1 rows; the extra one only says another page exists. */
export function page<T, J>(rows: T[], limit: number, present: (row: T) => J, cursorOf: (row: T) => unknown): { items: J[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(present), nextCursor: more ? encodeCursor(cursorOf(kept[kept.length - 1])) : null };
}

export const idCursor = z.tuple([z.number().int().positive()]);
