/**
 * A failed query never puts a family's number or text in the log: drizzle's error message lists
 * the query's parameters on either dialect, and PostgreSQL's detail repeats the failing row.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { openDatabase } from '../../db/client';
import { messages } from '../../db/schema';
import { serializeError } from '../../src/log-errors';
import { testDatabase, testDialect } from '../helpers/database';

const NUMBER = '+15555550123';
const BODY = 'Marisol missed the bus again, can you call me';

function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: pino({ serializers: { err: serializeError } }, stream) };
}

test('a failed insert is logged with its statement and codes, without the number or the text', async () => {
  const database = await testDatabase('log_errors');
  const opened = await openDatabase(database.url, { poolSize: 1 });
  try {
    const at = '2026-11-18T15:00:00.000Z';
    // No such conversation: the foreign key fails, and the driver's error lists every value.
    const err = await opened.db
      .insert(messages)
      .values({ conversationId: 999, direction: 'inbound', kind: 'reply', body: BODY, fromNumber: NUMBER, toNumber: NUMBER, status: 'received', createdAt: at, updatedAt: at })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Error);
    // The raw error does carry them: this is what the serializer is for.
    expect(String((err as Error).message)).toContain(NUMBER);

    const { lines, logger } = captureLogger();
    logger.error({ err }, 'request failed');
    logger.warn({ err: (err as Error).message }, 'job failed');
    const text = lines.join('');
    expect(lines).toHaveLength(2);
    expect(text).not.toContain(NUMBER);
    expect(text).not.toContain('5555550123');
    expect(text).not.toContain(BODY);
    expect(text).not.toContain('Marisol');
    const logged = JSON.parse(lines[0]).err;
    expect(logged.message).toMatch(/^Failed query: insert into "messages"/);
    if (testDialect() === 'postgres') {
      expect(logged.cause.code).toBe('23503');
      expect(logged.cause.constraint).toMatch(/conversation/);
    } else {
      expect(logged.cause.code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    }
  } finally {
    await opened.close();
    await database.drop();
  }
});
