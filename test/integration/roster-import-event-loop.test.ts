import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { testDialect } from '../helpers/database';
import { zip } from '../fixtures/roster/zip-writer';
import { writeDistrict } from '../../bench/lib/district';
import { messages, students } from '../../db/schema';
import { IMPORT_LOCK } from '../../db/repositories/roster-transaction';
import { addStaffWithToken } from '../../src/staff/accounts';

/**
 * A district's roster uploaded through the API takes seconds to import, in one transaction.
 * Meanwhile the same process (web, worker and simulator, as `npm start` runs them) keeps
 * answering: its health check, and Twilio's webhooks, which are never refused or lost. Whether
 * the import's transaction is open is read from the database itself: on SQLite the import holds
 * the one write lock (another connection cannot take it), on PostgreSQL its advisory lock.
 */

const clock = new TestClock('2026-11-18T15:00:00Z');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'familyline-import-event-loop-'));
const PARENT = '+15555550188';
let app: TestApp;
let token: string;
let importHoldsDatabase: () => Promise<boolean>;
let closeProbe: () => Promise<void>;

const inbound = (sid: string) => ({
  MessageSid: sid, SmsSid: sid, AccountSid: app.config.twilio.accountSid,
  From: PARENT, To: app.config.twilio.from!, Body: 'Is there school tomorrow?', NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01',
});
const storedInbound = async (sid: string) => (await app.deps.db.select().from(messages).where(eq(messages.providerSid, sid))).length === 1;
const importStatus = async (id: number) =>
  (await (await fetch(`${app.url}/api/v1/roster/imports/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string; report: { students: { created: number } } | null };

/** A generated district of 6,000 students as a OneRoster .zip, uploaded by a district admin; answers the import's id. */
async function uploadDistrict(): Promise<number> {
  const { dir } = await writeDistrict(path.join(dataDir, 'district'), { students: 6000, guardians: 9000 });
  const bytes = zip(fs.readdirSync(dir).map((name) => ({ name, data: fs.readFileSync(path.join(dir, name)) })));
  const form = new FormData();
  form.append('welcome', 'false');
  form.append('file', new Blob([new Uint8Array(bytes)]), 'district.zip');
  const res = await fetch(`${app.url}/api/v1/roster/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status).toBe(202);
  return (await res.json()).id;
}

beforeAll(async () => {
  const sqlite = testDialect() === 'sqlite';
  app = await startTestApp('roster-import-event-loop', { clock });
  token = (await addStaffWithToken(app.deps.db, { email: 'it@district.example.org', role: 'district_admin' }, new Date(clock.now()).toISOString())).token;
  if (sqlite) {
    const probe = new Database(app.config.databaseUrl.replace(/^file:/, ''), { timeout: 0 });
    importHoldsDatabase = async () => {
      try {
        probe.exec('BEGIN IMMEDIATE');
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
        throw err;
      }
      probe.exec('ROLLBACK');
      return false;
    };
    closeProbe = async () => void probe.close();
  } else {
    const probe = new pg.Client({ connectionString: app.config.databaseUrl });
    await probe.connect();
    // The advisory lock a PostgreSQL import holds for its whole transaction (a bigint key: its low 32 bits are objid).
    importHoldsDatabase = async () =>
      (await probe.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [IMPORT_LOCK],
      )).rowCount! > 0;
    closeProbe = () => probe.end();
  }
});

afterAll(async () => {
  await closeProbe?.();
  await app?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('while an uploaded district imports, the service answers its health check and takes signed webhooks', async () => {
  const importId = await uploadDistrict();
  await waitFor(importHoldsDatabase, 60_000);

  // Answered between two moments the import's transaction was seen open: the event loop was free
  // while it ran. Tried again if the import happened to commit in between.
  await waitFor(async () => {
    if (!(await importHoldsDatabase())) return false;
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    return importHoldsDatabase();
  }, 60_000);

  const sids: string[] = [];
  const postDuringImport = async () => {
    const sid = 'SM' + crypto.randomBytes(16).toString('hex');
    sids.push(sid);
    const res = await app.postWebhook('/webhooks/twilio/sms', inbound(sid));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Response/>');
    return sid;
  };
  if (testDialect() === 'postgres') {
    // No single writer: the text is stored before the webhook is answered, while the import runs.
    await waitFor(async () => {
      if (!(await importHoldsDatabase())) return false;
      expect(await storedInbound(await postDuringImport())).toBe(true);
      return importHoldsDatabase();
    }, 60_000);
  } else {
    // The import holds SQLite's one write lock: the text waits for it, or past 5 s is kept in
    // Redis, and is stored once the import commits. Either way it is answered, never refused.
    await postDuringImport();
  }

  const done = await waitFor(async () => {
    const s = await importStatus(importId);
    return s.status === 'succeeded' || s.status === 'failed' ? s : null;
  }, 120_000);
  expect(done.status).toBe('succeeded');
  for (const sid of sids) await waitFor(() => storedInbound(sid), 30_000);
  const imported = await app.deps.db.select({ id: students.id }).from(students).where(eq(students.active, true));
  expect(done.report!.students.created).toBe(imported.length);
  expect(imported.length).toBeGreaterThan(5000);
}, 240_000);
