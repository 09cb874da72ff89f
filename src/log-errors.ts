/**
 * How an error is written to the log. A database error can carry the values of the query that
 * failed: drizzle puts every parameter in its message ("Failed query: … params: +15551234567,
 * <message body>"), and PostgreSQL's detail repeats a failing row or a duplicate key. Those are
 * families' numbers and texts, so only the statement, the codes and the names of the table,
 * column and constraint are kept.
 */
import pino from 'pino';

const VALUE_FIELDS = ['params', 'detail', 'where', 'parameters'];
/** A run of 7 or more digits (optionally after +) may be a phone number: only its last four stay. */
const DIGITS = /\+?\d[\d\s().-]{5,}\d/g;

export function maskNumbers(text: string): string {
  return text.replace(DIGITS, (m) => `${'*'.repeat(Math.max(0, m.replace(/\D/g, '').length - 4))}${m.replace(/\D/g, '').slice(-4)}`);
}

function isQueryError(err: { name?: unknown; query?: unknown; params?: unknown }): boolean {
  return err.name === 'DrizzleQueryError' || (typeof err.query === 'string' && Array.isArray(err.params));
}

/** An error already turned into text (`err: err.message`): the query's values start at "params:". */
function cleanText(text: string): string {
  return maskNumbers(text.replace(/\nparams:[\s\S]*$/, ''));
}

export function serializeError(err: unknown): unknown {
  if (typeof err === 'string') return cleanText(err);
  if (!err || typeof err !== 'object') return err;
  const e = err as Error & { query?: string; params?: unknown[]; cause?: unknown };
  const out = pino.stdSerializers.err(e) as unknown as Record<string, unknown>;
  for (const field of VALUE_FIELDS) delete out[field];
  if (isQueryError(e)) out.message = `Failed query: ${e.query}`;
  if (typeof out.message === 'string') out.message = cleanText(out.message);
  // The stack repeats the message (and the cause's) before its frames: keep the frames alone.
  if (typeof out.stack === 'string') out.stack = [out.message, ...out.stack.split('\n').filter((l) => /^\s+at /.test(l))].join('\n');
  if (e.cause !== undefined) out.cause = serializeError(e.cause);
  return out;
}
