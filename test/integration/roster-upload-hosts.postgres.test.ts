/**
 * A roster upload on several hosts: the web role that takes the file and the worker role that
 * imports it are separate processes with temporary folders of their own, as on two servers that
 * share nothing but PostgreSQL and Redis. The file travels in the database; nothing is left
 * behind in either folder or in the database once the import has run, whatever its outcome.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { openDatabase, type OpenedDatabase } from '../../db/client';
import { families, rosterImportChunks } from '../../db/schema';
import { addStaffWithToken } from '../../src/staff/accounts';
import { freePort } from '../../bench/lib/workspace';
import { waitFor } from '../helpers/app';
import { testDatabase } from '../helpers/database';
import { answers, logged, startRole, type RoleProcess } from '../helpers/processes';

jest.setTimeout(180_000);

const FLAT = [
  'student_id,student_first_name,student_last_name,grade,school,class,teacher_email,guardian_id,guardian_first_name,guardian_last_name,guardian_phone,guardian_language,relationship,may_contact',
  's-1,Ana,Lopez,3,Maple Street School,Room 12,room12.teacher@maple.example.org,g-1,Maria,Lopez,+1 555-555-0101,es,mother,true',
  's-3,Cam,Diaz,K,Maple Street School,Room 12,room12.teacher@maple.example.org,g-2,Rosa,Diaz,(555) 555-0102,en,mother,yes',
].join('\r\n');

let database: { url: string; drop(): Promise<void> };
let opened: OpenedDatabase;
const processes: RoleProcess[] = [];
const webTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'familyline-web-host-'));
const workerTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'familyline-worker-host-'));
let web: string;
let token: string;

beforeAll(async () => {
  database = await testDatabase('upload_hosts');
  opened = await openDatabase(database.url);
  token = (await addStaffWithToken(opened.db, { email: 'it@district.example.org', role: 'district_admin' }, new Date().toISOString())).token;
  const port = await freePort();
  web = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `fltest-upload-hosts-${process.pid}-${crypto.randomBytes(3).toString('hex')}`,
    PUBLIC_BASE_URL: web,
    SMS_PROVIDER: 'sim',
    TWILIO_ACCOUNT_SID: '',
    TWILIO_AUTH_TOKEN: '',
    TWILIO_FROM: '',
    TWILIO_MESSAGING_SERVICE_SID: '',
  };
  const [webRole, workerRole] = await Promise.all([
    startRole('web', { ...env, PORT: String(port), TMPDIR: webTmp }, answers(`${web}/healthz`)),
    startRole('worker', { ...env, PORT: '0', TMPDIR: workerTmp, LOG_LEVEL: 'info' }, logged('worker role started')),
  ]);
  processes.push(webRole, workerRole);
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await opened?.close();
  await database?.drop();
  for (const dir of [webTmp, workerTmp]) fs.rmSync(dir, { recursive: true, force: true });
});

async function importAndWait(name: string, bytes: string): Promise<any> {
  const form = new FormData();
  form.append('welcome', 'false');
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${web}/api/v1/roster/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status).toBe(202);
  const { id } = await res.json();
  return waitFor(async () => {
    const json = await (await fetch(`${web}/api/v1/roster/imports/${id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    return json.status === 'succeeded' || json.status === 'failed' ? json : null;
  }, 60_000);
}

const storedPieces = async () => (await opened.db.select({ n: count() }).from(rosterImportChunks))[0].n;
/** FamilyLine's files in either host's temporary folder (tsx keeps a cache there too). */
const ours = () => [...fs.readdirSync(webTmp), ...fs.readdirSync(workerTmp)].filter((n) => n.startsWith('familyline-'));
/** Waits until the upload's copies are gone: the worker deletes its copy just after recording the outcome. */
const leftBehind = () => waitFor(async () => (ours().length ? null : true), 10_000).catch(() => expect(ours()).toEqual([]));

test("a file uploaded to the web host is imported by a worker host that has never seen it", async () => {
  const done = await importAndWait('maple.csv', FLAT);
  expect(done).toMatchObject({ status: 'succeeded', error: null });
  expect(done.report.students.created).toBe(2);
  expect(await opened.db.select().from(families)).toHaveLength(2);
  expect(await storedPieces()).toBe(0);
  await leftBehind();
});

test('a file that cannot be imported fails with its own name, and leaves nothing behind either', async () => {
  const done = await importAndWait('maple.csv', 'student_id,first_name\ns-9,Zoe\n');
  expect(done).toMatchObject({ status: 'failed', report: null });
  expect(done.error).toContain('maple.csv'); // the uploader's name, as the worker host wrote it
  expect(await storedPieces()).toBe(0);
  await leftBehind();
});
