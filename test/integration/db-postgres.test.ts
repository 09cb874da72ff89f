/** PostgreSQL under the repositories: hosts that start together migrate once; transactions are all or nothing. */
import { openPostgres } from '../../db/dialects/postgres';
import { transaction } from '../../db/transaction';
import { sqliteTables } from '../../db/schema/sqlite';
import { pgTables } from '../../db/schema/pg';
import { createTestDatabase } from '../helpers/postgres';
import type { OpenedDatabase } from '../../db/types';

const schools = pgTables.schools as unknown as typeof sqliteTables.schools;
const school = (name: string) => ({ name, timezone: 'America/New_York', createdAt: '2026-11-18T15:00:00.000Z', updatedAt: '2026-11-18T15:00:00.000Z' });

describe('PostgreSQL', () => {
  test('hosts that start together migrate once and share the tables; a failed transaction leaves nothing', async () => {
    const database = await createTestDatabase('dialects');
    const opened: OpenedDatabase[] = [];
    try {
      opened.push(...(await Promise.all([openPostgres(database.url, 2), openPostgres(database.url, 2), openPostgres(database.url, 2)])));
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
});
