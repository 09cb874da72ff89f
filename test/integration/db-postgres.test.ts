/**
 * One database under several hosts (PostgreSQL) or processes on one host (SQLite): those that
 * start together migrate once; transactions are all or nothing.
 */
import { openDatabase, transaction } from '../../db/client';
import pg from 'pg';
import { schools } from '../../db/schema';
import { waitFor } from '../helpers/app';
import type { OpenedDatabase } from '../../db/types';
import { testDatabase, testDialect } from '../helpers/database';

const school = (name: string) => ({ name, timezone: 'America/New_York', createdAt: '2026-11-18T15:00:00.000Z', updatedAt: '2026-11-18T15:00:00.000Z' });

describe(testDialect() === 'postgres' ? 'PostgreSQL' : 'SQLite', () => {
  test('hosts that start together migrate once and share the tables; a failed transaction leaves nothing', async () => {
    const database = await testDatabase('dialects');
    const opened: OpenedDatabase[] = [];
    try {
      opened.push(...(await Promise.all([1, 2, 3].map(() => openDatabase(database.url, { poolSize: 2 })))));
      const [a, b] = opened;
      const [created] = await a.db.insert(schools).values(school('Shared')).returning();
      expect(created.id).toEqual(expect.any(Number));
      expect((await b.db.select().from(schools)).map((r) => r.name)).toEqual(['Shared']);
      await expect(
        transaction(a.db, async (tx) => {
          await tx.insert(schools).values(school('Rolled back'));
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      expect((await b.db.select().from(schools)).map((r) => r.name)).toEqual(['Shared']);
    } finally {
      await Promise.all(opened.map((o) => o.close()));
      await database.drop();
    }
  });

  if (testDialect() === 'postgres') {
    test('a pooled connection the server ends while idle is reported, replaced, and the process goes on', async () => {
      const database = await testDatabase('idle-kill');
      const heard: Error[] = [];
      const opened = await openDatabase(database.url, { poolSize: 2, onIdleError: (err) => heard.push(err) });
      try {
        await opened.db.insert(schools).values(school('Before the restart'));
        // As a server restart or an administrator would: end every other connection to this database.
        const admin = new pg.Client({ connectionString: database.url });
        await admin.connect();
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
        await admin.end();
        await waitFor(() => heard.length > 0);
        expect((heard[0] as { code?: string }).code).toBe('57P01');
        expect((await opened.db.select().from(schools)).map((r) => r.name)).toEqual(['Before the restart']);
      } finally {
        await opened.close();
        await database.drop();
      }
    });
  }
});
