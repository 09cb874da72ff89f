/**
 * The database under the repositories: one schema description gives SQLite and PostgreSQL the
 * same tables, transactions behave alike on both, and SQLite's one connection keeps an async
 * transaction to itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import Database from 'better-sqlite3';
import { drizzle as syncDrizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { openDatabase } from '../../db/client';
import { openSqlite } from '../../db/dialects/sqlite';
import { transaction } from '../../db/transaction';
import { conversations, messageEvents, messages, schools, type MessageStatus } from '../../db/schema';
import { attachProviderSid, claimForSend, getConversation, getOrCreateConversation, insertOutbound, recordStatusEvent, type DecideStatus } from '../../db/repositories/messages';
import { storeInbound } from '../../db/repositories/inbound-store';
import { conversationWithAudience, textableNumbers } from '../../db/repositories/routing';
import { findStaffByTokenHash, insertApiToken } from '../../db/repositories/staff';
import { seedFamily, seedSchool, seedStaff } from '../helpers/seed';
import { sqliteTables } from '../../db/schema/sqlite';
import { pgTables } from '../../db/schema/pg';
import { getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core';
import { getTableConfig as pgConfig, type PgTable } from 'drizzle-orm/pg-core';
import type { OpenedDatabase } from '../../db/types';
import { testDatabase, testDialect } from '../helpers/database';

const school = (name: string) => ({ name, timezone: 'America/New_York', createdAt: '2026-11-18T15:00:00.000Z', updatedAt: '2026-11-18T15:00:00.000Z' });

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

describe('one schema description, two dialects', () => {
  test('every table has the same columns, types and nullability on SQLite and PostgreSQL', () => {
    // drizzle's pg-core has no bytea builder: the kit's is a custom type, read as a Buffer like SQLite's blob.
    const dataType = (c: { dataType: string; getSQLType(): string }) => (c.dataType === 'custom' && c.getSQLType() === 'bytea' ? 'buffer' : c.dataType);
    const shape = (cols: { name: string; notNull: boolean; primary: boolean; dataType: string; getSQLType(): string }[]) =>
      cols.map((c) => `${c.name}:${dataType(c)}:${c.notNull ? 'not null' : 'null'}${c.primary ? ':pk' : ''}`).sort();
    const names = Object.keys(sqliteTables) as (keyof typeof sqliteTables)[];
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const lite = sqliteConfig(sqliteTables[name]);
      const pgt = pgConfig(pgTables[name] as unknown as PgTable);
      expect({ name: pgt.name, columns: shape(pgt.columns) }).toEqual({ name: lite.name, columns: shape(lite.columns) });
      expect(pgt.indexes.map((i) => i.config.name).sort()).toEqual(lite.indexes.map((i) => i.config.name).sort());
    }
  });
});

describe('transactions, on the dialect of this pass', () => {
  let database: { url: string; drop(): Promise<void> };
  let opened: OpenedDatabase;
  beforeEach(async () => {
    database = await testDatabase('transactions');
    opened = await openDatabase(database.url, { poolSize: 2 });
  });
  afterEach(async () => {
    await opened.close();
    await database.drop();
  });

  test("another request's write is not rolled back with a transaction that fails", async () => {
    const { db } = opened;
    const gate = deferred();
    const failing = transaction(db, async (tx) => {
      await tx.insert(schools).values(school('Rolled back'));
      await gate.promise;
      throw new Error('the import found a bad file');
    });
    const outsideWrite = db.insert(schools).values(school('Kept')).returning();
    gate.release();
    await expect(failing).rejects.toThrow('bad file');
    expect((await outsideWrite).map((r) => r.name)).toEqual(['Kept']);
    expect((await db.select().from(schools)).map((r) => r.name)).toEqual(['Kept']);
  });

  test('a transaction opened inside another joins it and rolls back with it', async () => {
    const { db } = opened;
    await expect(
      transaction(db, async (tx) => {
        await tx.insert(schools).values(school('Outer'));
        await transaction(tx, async (inner) => {
          await inner.insert(schools).values(school('Inner'));
        });
        throw new Error('undo both');
      }),
    ).rejects.toThrow('undo both');
    expect(await db.select().from(schools)).toEqual([]);
  });

  test('two hosts opening the district inbox for one unknown number at once share one conversation', async () => {
    // A second handle on the same database stands for another host (on SQLite, another process's connection).
    const other = await openDatabase(database.url, { poolSize: 2 });
    try {
      const key = { schoolId: null, familyId: null, unmatchedNumber: '+15559000123' };
      const at = '2026-11-18T15:00:00.000Z';
      const opened2 = await Promise.all([
        ...Array.from({ length: 4 }, () => getOrCreateConversation(opened.db, key, at)),
        ...Array.from({ length: 4 }, () => getOrCreateConversation(other.db, key, at)),
      ]);
      expect(new Set(opened2.map((c) => c.id)).size).toBe(1);
      expect(await opened.db.select().from(conversations).where(eq(conversations.unmatchedNumber, key.unmatchedNumber))).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  test('texts stored at once share a batch: each sid stored once, a repeated sid answered with the first row', async () => {
    const at = '2026-11-18T15:00:00.000Z';
    const from = (i: number) => `+1555900020${i % 2}`;
    // Eight webhooks in one turn of the event loop: six texts, then two retries of the first two.
    const inputs = Array.from({ length: 8 }, (_, i) => ({
      message: {
        direction: 'inbound' as const, kind: 'reply' as const, body: `Text ${i % 6}`, encoding: 'GSM-7', segments: 1, fromNumber: from(i),
        toNumber: '+15555550100', status: 'received' as const, providerSid: `SM${String(i % 6).padStart(32, '0')}`, createdAt: at, updatedAt: at,
      },
      conversation: { schoolId: null, familyId: null, unmatchedNumber: from(i) },
      optOut: null,
    }));
    const stored = await Promise.all(inputs.map((input) => storeInbound(opened.db, input)));
    expect(stored.map((s) => s.created)).toEqual([true, true, true, true, true, true, false, false]);
    expect(stored.slice(6).map((s) => s.message.id)).toEqual(stored.slice(0, 2).map((s) => s.message.id));
    expect(await opened.db.select().from(messages)).toHaveLength(6);
    const convs = await opened.db.select().from(conversations).orderBy(conversations.unmatchedNumber);
    expect(convs.map((c) => [c.unmatchedNumber, c.unreadCount, c.lastMessageAt])).toEqual([
      [from(0), 3, at],
      [from(1), 3, at],
    ]);
  });

  test("a batch for conversations that exist: each text stored once, the conversations' latest time and unread count follow the texts stored", async () => {
    const number = (i: number) => `+1555900030${i}`;
    const text = (i: number, sid: string, at: string, countsAsUnread = true) => ({
      message: {
        direction: 'inbound' as const, kind: 'reply' as const, body: `Text ${sid}`, encoding: 'GSM-7', segments: 1, fromNumber: number(i),
        toNumber: '+15555550100', status: 'received' as const, providerSid: sid, createdAt: at, updatedAt: at,
      },
      conversation: { schoolId: null, familyId: null, unmatchedNumber: number(i) },
      countsAsUnread,
      optOut: null,
    });
    const first = [await storeInbound(opened.db, text(0, 'SMfirst0', '2026-11-18T15:00:00.000Z')), await storeInbound(opened.db, text(1, 'SMfirst1', '2026-11-18T15:00:00.000Z'))];
    // One turn of the event loop: new texts (one a keyword nobody needs to read), a retry of a text
    // stored above and a retry of one in this batch. Nothing here creates a conversation.
    const batch = [
      text(0, 'SMnew0', '2026-11-18T15:01:00.000Z'),
      text(0, 'SMfirst0', '2026-11-18T15:00:00.000Z'),
      text(1, 'SMhelp1', '2026-11-18T15:02:00.000Z', false),
      text(0, 'SMlater0', '2026-11-18T15:03:00.000Z'),
      text(0, 'SMnew0', '2026-11-18T15:01:00.000Z'),
    ];
    const stored = await Promise.all(batch.map((input) => storeInbound(opened.db, input)));
    expect(stored.map((s) => s.created)).toEqual([true, false, true, true, false]);
    expect(stored[1].message.id).toBe(first[0].message.id);
    expect(stored[4].message.id).toBe(stored[0].message.id);
    expect(new Set(stored.map((s) => s.message.conversationId))).toEqual(new Set(first.map((s) => s.message.conversationId)));
    const rows = await opened.db.select().from(messages).orderBy(messages.id);
    expect(rows.map((m) => m.providerSid)).toEqual(['SMfirst0', 'SMfirst1', 'SMnew0', 'SMhelp1', 'SMlater0']);
    const convs = await opened.db.select().from(conversations).orderBy(conversations.unmatchedNumber);
    expect(convs.map((c) => [c.unmatchedNumber, c.unreadCount, c.lastMessageAt])).toEqual([
      [number(0), 3, '2026-11-18T15:03:00.000Z'],
      [number(1), 1, '2026-11-18T15:02:00.000Z'],
    ]);
  });

  test('reads asked for at once share a query, each answered with its own rows', async () => {
    const school = await seedSchool(opened.db);
    const lee = await seedFamily(opened.db, school.id, {
      name: 'Lee',
      guardians: [{ first: 'Ana', phone: '+15559000402' }, { first: 'Ben', phone: '+15559000401', noContact: ['Kai'] }],
      students: [{ first: 'Kai', grade: '3' }],
    });
    const ode = await seedFamily(opened.db, school.id, { name: 'Ode', guardians: [{ first: 'Cy', phone: '+15559000403' }], students: [{ first: 'Mo', grade: '4' }] });
    const at = '2026-11-18T15:00:00.000Z';
    const [leeConv, odeConv] = await opened.db
      .insert(conversations)
      .values([{ schoolId: school.id, familyId: lee.family.id, createdAt: at }, { schoolId: school.id, familyId: ode.family.id, createdAt: at }])
      .returning();
    const teacher = await seedStaff(opened.db, { email: 'teacher@maple.example', role: 'teacher', schoolId: school.id });
    await insertApiToken(opened.db, teacher.id, 'hash-of-a-live-token', at);
    // One turn of the event loop each: the families' numbers (Ben may not be texted about Kai), a
    // missing conversation, a token nobody holds.
    const numbers = await Promise.all([textableNumbers(opened.db, lee.family.id), textableNumbers(opened.db, ode.family.id), textableNumbers(opened.db, lee.family.id)]);
    expect(numbers).toEqual([['+15559000402'], ['+15559000403'], ['+15559000402']]);
    const convs = await Promise.all([getConversation(opened.db, odeConv.id), getConversation(opened.db, 999999), getConversation(opened.db, leeConv.id)]);
    expect(convs.map((c) => c?.familyId ?? null)).toEqual([ode.family.id, null, lee.family.id]);
    const audiences = await Promise.all([conversationWithAudience(opened.db, leeConv.id), conversationWithAudience(opened.db, odeConv.id)]);
    expect(audiences.map((a) => [a?.conversation.id, a?.family?.displayName, a?.school?.id])).toEqual([[leeConv.id, 'Lee', school.id], [odeConv.id, 'Ode', school.id]]);
    const holders = await Promise.all([findStaffByTokenHash(opened.db, 'hash-of-a-live-token'), findStaffByTokenHash(opened.db, 'hash-nobody-holds')]);
    expect(holders.map((h) => h?.email ?? null)).toEqual(['teacher@maple.example', null]);
  });

  test('status callbacks recorded at once move each text only forward, each callback kept', async () => {
    const at = '2026-11-18T15:00:00.000Z';
    const [conv] = await opened.db.insert(conversations).values({ schoolId: null, familyId: null, unmatchedNumber: '+15559000301', createdAt: at }).returning();
    const sent = (sid: string) => ({
      conversationId: conv.id, direction: 'outbound' as const, kind: 'reply' as const, body: 'Picture day is Thursday.', fromNumber: '+15555550100',
      toNumber: '+15559000301', status: 'sending' as const, providerSid: sid, createdAt: at, updatedAt: at,
    });
    await opened.db.insert(messages).values([sent('SMa'), sent('SMb')]);
    const rank = ['sending', 'sent', 'delivered'];
    const decide: DecideStatus = (current, event) =>
      rank.indexOf(event.status) > rank.indexOf(current.status) ? { status: event.status as MessageStatus, errorCode: event.errorCode, updatedAt: at } : null;
    // One turn of the event loop: a batch. SMa's callbacks arrive out of order; SMz names no text of ours.
    const callbacks: [string, string][] = [['SMa', 'delivered'], ['SMa', 'sent'], ['SMb', 'sent'], ['SMz', 'sent'], ['SMb', 'delivered'], ['SMa', 'delivered']];
    const recorded = await Promise.all(callbacks.map(([sid, status]) => recordStatusEvent(opened.db, { providerSid: sid, status, errorCode: null, raw: '{}', at }, decide)));
    expect(recorded.map((r) => r.applied)).toEqual([true, false, true, false, true, false]);
    expect(recorded.map((r) => r.message?.status ?? null)).toEqual(['delivered', 'delivered', 'sent', null, 'delivered', 'delivered']);
    const rows = await opened.db.select().from(messages).orderBy(messages.providerSid);
    expect(rows.map((m) => [m.providerSid, m.status])).toEqual([['SMa', 'delivered'], ['SMb', 'delivered']]);
    const events = await opened.db.select().from(messageEvents).orderBy(messageEvents.id);
    expect(events.map((e) => [e.providerSid, e.status, e.applied, e.messageId === null])).toEqual(
      callbacks.map(([sid, status], i) => [sid, status, recorded[i].applied, sid === 'SMz']),
    );
  });

  test('sends claimed and accepted at once: a message asked for twice is claimed once, early callbacks applied', async () => {
    const at = '2026-11-18T15:00:00.000Z';
    const [conv] = await opened.db.insert(conversations).values({ schoolId: null, familyId: null, unmatchedNumber: '+15559000302', createdAt: at }).returning();
    const queued = { conversationId: conv.id, direction: 'outbound' as const, kind: 'reply' as const, body: 'Reading night is Thursday.', fromNumber: '+15555550100', toNumber: '+15559000302', status: 'queued' as const, createdAt: at, updatedAt: at };
    const [a, b] = await opened.db.insert(messages).values([queued, queued]).returning();
    const until = '2026-11-18T15:05:00.000Z';
    const claims = await Promise.all([a.id, b.id, a.id].map((id) => claimForSend(opened.db, id, until, at)));
    expect(claims.map((c) => c && [c.id, c.status, c.attempts, c.claimedUntil])).toEqual([[a.id, 'sending', 1, until], [b.id, 'sending', 1, until], null]);
    // The carrier's 'delivered' for b beat the send's own answer: kept unattached until b's sid is stored.
    const rank = ['sending', 'sent', 'delivered'];
    const decide: DecideStatus = (current, event) =>
      rank.indexOf(event.status) > rank.indexOf(current.status) ? { status: event.status as MessageStatus, errorCode: event.errorCode, updatedAt: at } : null;
    await recordStatusEvent(opened.db, { providerSid: 'SMbb', status: 'delivered', errorCode: null, raw: '{}', at }, decide);
    const accepted = (sid: string) => ({ providerSid: sid, sentAt: at, segments: 1, updatedAt: at });
    const stored = await Promise.all([attachProviderSid(opened.db, a.id, accepted('SMaa'), decide), attachProviderSid(opened.db, b.id, accepted('SMbb'), decide)]);
    expect(stored.map((s) => [s.message.providerSid, s.message.status, s.message.claimedUntil, s.early.map((e) => e.status)])).toEqual([
      ['SMaa', 'sending', null, []],
      ['SMbb', 'delivered', null, ['delivered']],
    ]);
    expect((await opened.db.select().from(messageEvents)).map((e) => [e.messageId, e.applied])).toEqual([[b.id, true]]);
    // A sid is stored once: a second answer for a message that has one is refused.
    await expect(attachProviderSid(opened.db, a.id, accepted('SMzz'), decide)).rejects.toThrow('already has a provider sid');
  });

  test('outbound texts stored at once: each caller gets its own rows, each conversation its latest activity', async () => {
    const at = (m: number) => `2026-11-18T15:0${m}:00.000Z`;
    const convs = await opened.db.insert(conversations).values([
      { schoolId: null, familyId: null, unmatchedNumber: '+15559000303', createdAt: at(0) },
      { schoolId: null, familyId: null, unmatchedNumber: '+15559000304', createdAt: at(0) },
    ]).returning();
    const text = (conv: (typeof convs)[number], body: string, minute: number) => ({
      direction: 'outbound' as const, kind: 'reply' as const, body, fromNumber: '+15555550100', toNumber: conv.unmatchedNumber!, status: 'queued' as const,
      urgent: minute === 2, createdAt: at(minute), updatedAt: at(minute),
    });
    // Two callers send the very same text to one conversation at once: two rows, one each.
    const [first, twin, other, urgent] = await Promise.all([
      insertOutbound(opened.db, convs[0].id, [text(convs[0], 'Picture day is Thursday.', 1)]),
      insertOutbound(opened.db, convs[0].id, [text(convs[0], 'Picture day is Thursday.', 1)]),
      insertOutbound(opened.db, convs[1].id, [text(convs[1], 'Bus 4 runs late today.', 1)]),
      insertOutbound(opened.db, convs[0].id, [text(convs[0], 'School closes at noon.', 2)]),
    ]);
    expect([first, twin, other, urgent].map((rows) => rows.length)).toEqual([1, 1, 1, 1]);
    expect(new Set([first[0].id, twin[0].id, other[0].id, urgent[0].id]).size).toBe(4);
    expect([other[0].body, other[0].toNumber, urgent[0].body, urgent[0].urgent]).toEqual(['Bus 4 runs late today.', '+15559000304', 'School closes at noon.', true]);
    expect(await opened.db.select().from(messages)).toHaveLength(4);
    const after = await opened.db.select().from(conversations).orderBy(conversations.id);
    expect(after.map((c) => c.lastMessageAt)).toEqual([at(2), at(1)]);
  });
});

if (testDialect() === 'sqlite') describe('SQLite: one connection, async transactions', () => {
  let file: string;
  let opened: OpenedDatabase;
  beforeEach(() => {
    file = path.join(os.tmpdir(), `familyline-dialects-${process.pid}-${crypto.randomBytes(3).toString('hex')}.db`);
    opened = openSqlite(`file:${file}`);
  });
  afterEach(async () => {
    await opened.close();
    for (const s of ['', '-wal', '-shm']) fs.rmSync(file + s, { force: true });
  });

  test('a statement issued while another request awaits inside a transaction runs after it commits', async () => {
    const { db } = opened;
    const gate = deferred();
    const order: string[] = [];
    const inside = transaction(db, async (tx) => {
      await tx.insert(schools).values(school('Inside'));
      await gate.promise;
      order.push('commit');
    });
    // Wait until the transaction holds the connection (its insert is visible from inside only).
    const outside = db.select().from(schools).then((rows) => {
      order.push('outside');
      return rows.map((r) => r.name);
    });
    gate.release();
    await inside;
    expect(await outside).toEqual(['Inside']);
    expect(order).toEqual(['commit', 'outside']);
  });

  test('a database made by the current version keeps its data', async () => {
    await opened.close();
    fs.rmSync(file, { force: true });
    // As the synchronous client before the async one opened and migrated its file.
    const old = new Database(file);
    migrate(syncDrizzle(old), { migrationsFolder: path.join(__dirname, '../../db/migrations/sqlite') });
    old.prepare("INSERT INTO schools (name, timezone, created_at, updated_at) VALUES ('Made before', 'America/New_York', 'x', 'x')").run();
    old.close();
    opened = openSqlite(`file:${file}`);
    const rows = await opened.db.select().from(schools).where(eq(schools.name, 'Made before'));
    expect(rows).toHaveLength(1);
  });
});
