import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { addStaffWithToken } from '../../src/staff/accounts';
import { runImport } from '../../src/families/roster/import-jobs';
import { CHUNK_BYTES, fetchUpload, storeUpload } from '../../src/families/roster/upload-store';
import { findImport, insertImport, updateImport } from '../../db/repositories/roster-imports';
import { families, rosterImportChunks } from '../../db/schema';
import type { Db } from '../../db/client';
import type { Deps } from '../../src/deps';
import { QUEUE, rosterImportJobId } from '../../src/queue/names';
import { ROSTER_IMPORT_ATTEMPTS } from '../../src/queue/queues';
import { startRosterImportWorker } from '../../workers/roster-import.worker';
import { Worker } from 'bullmq';
import { zip } from '../fixtures/roster/zip-writer';

/** Roster files uploaded as multipart/form-data, imported by the queued job, read back by id. */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z'); // a Wednesday, 10:00 in New York: welcomes leave at once
const tokens: Record<'district' | 'adminA' | 'adminB' | 'teacherA', string> = { district: '', adminA: '', adminB: '', teacherA: '' };
let schoolA: number;
let schoolB: number;

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'roster');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));

/** The import's BullMQ job once it has failed, read after it failed: one read just before could still hold its attempts as they were. */
const failedJob = (on: TestApp, importId: number) =>
  waitFor(async () => {
    const id = rosterImportJobId(importId);
    return (await on.deps.queues.rosterImport.getJobState(id)) === 'failed' ? on.deps.queues.rosterImport.getJob(id) : null;
  });

// A school admin's own school: two households (the Diaz parents are linked to the same child).
const FLAT = [
  'student_id,student_first_name,student_last_name,grade,school,class,teacher_email,guardian_id,guardian_first_name,guardian_last_name,guardian_phone,guardian_language,relationship,may_contact',
  's-1,Ana,Lopez,3,Maple Street School,Room 12,room12.teacher@maple.example.org,g-1,Maria,Lopez,+1 555-555-0101,es,mother,true',
  's-2,Ben,Lopez,5,Maple Street School,Room 14,room14.teacher@maple.example.org,g-1,Maria,Lopez,+1 555-555-0101,es,mother,true',
  's-3,Cam,Diaz,K,Maple Street School,Room 12,room12.teacher@maple.example.org,g-2,Rosa,Diaz,(555) 555-0102,en,mother,yes',
  's-3,Cam,Diaz,K,Maple Street School,Room 12,room12.teacher@maple.example.org,g-3,Tom,Diaz,555.555.0103,en,father,yes',
].join('\r\n');

async function api(who: keyof typeof tokens | null, method: string, url: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${app.url}/api/v1${url}`, { method, headers: who ? { authorization: `Bearer ${tokens[who]}` } : {} });
  return { status: res.status, json: await res.json() };
}

/** A real multipart upload, built the way a browser's FormData is. */
async function upload(who: keyof typeof tokens | null, file: { name: string; bytes: Buffer | string } | null, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([typeof file.bytes === 'string' ? file.bytes : new Uint8Array(file.bytes)]), file.name);
  const res = await fetch(`${app.url}/api/v1/roster/imports`, {
    method: 'POST',
    headers: who ? { authorization: `Bearer ${tokens[who]}` } : {},
    body: form,
  });
  return { status: res.status, location: res.headers.get('location'), json: await res.json() };
}

/** Uploads, expects 202, and polls until the job has finished. */
async function importAndWait(who: keyof typeof tokens, file: { name: string; bytes: Buffer | string }, fields: Record<string, string>) {
  const res = await upload(who, file, fields);
  expect(res.status).toBe(202);
  expect(res.json).toEqual({ id: expect.any(Number), status: 'queued', createdAt: new Date(clock.now()).toISOString() });
  expect(res.location).toBe(`/api/v1/roster/imports/${res.json.id}`);
  return waitFor(async () => {
    const { json } = await api(who, 'GET', `/roster/imports/${res.json.id}`);
    return json.status === 'succeeded' || json.status === 'failed' ? json : null;
  }, 20000);
}

const familyCount = async () => (await api('district', 'GET', '/families?limit=500')).json.items.length;
const unchangedOnly = (c: Record<string, number>) => c.created === 0 && c.updated === 0 && c.deactivated === 0;
/** How many pieces of an import's uploaded file the database still holds. */
const storedPieces = async (db: Db, importId: number) =>
  (await db.select({ seq: rosterImportChunks.seq }).from(rosterImportChunks).where(eq(rosterImportChunks.importId, importId))).length;

beforeAll(async () => {
  app = await startTestApp('api-roster-imports', { clock });
  const now = new Date(clock.now()).toISOString();
  const db = app.deps.db;
  tokens.district = (await addStaffWithToken(db, { email: 'district@familyline.test', role: 'district_admin' }, now)).token;
  const school = async (name: string, from: string) =>
    (await fetch(`${app.url}/api/v1/schools`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.district}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, timezone: 'America/New_York', from }),
    }).then((r) => r.json())).id as number;
  schoolA = await school('Maple Street School', '+15555550300');
  schoolB = await school('Oak Lane School', '+15555550400');
  tokens.adminA = (await addStaffWithToken(db, { email: 'admin.a@familyline.test', role: 'school_admin', schoolId: schoolA }, now)).token;
  tokens.adminB = (await addStaffWithToken(db, { email: 'admin.b@familyline.test', role: 'school_admin', schoolId: schoolB }, now)).token;
  tokens.teacherA = (await addStaffWithToken(db, { email: 'teacher.a@familyline.test', role: 'teacher', schoolId: schoolA }, now)).token;
});

afterAll(async () => {
  await app.stop();
});

describe('POST /api/v1/roster/imports', () => {
  // First, while the database holds no families: a dry run must leave it that way.
  test('a dry run reports what the import would do and writes nothing', async () => {
    const done = await importAndWait('district', { name: 'oneroster.zip', bytes: fixture('oneroster.zip') }, { dryRun: 'true' });
    expect(done).toMatchObject({ status: 'succeeded', dryRun: true, format: 'oneroster', error: null, finishedAt: expect.any(String) });
    expect(done.report.dryRun).toBe(true);
    expect(done.report.schools.created).toBe(2);
    expect(done.report.students.created).toBeGreaterThan(50);
    expect(done.report.welcomes.queued).toBe(0);
    expect(await familyCount()).toBe(0);
    expect((await api('district', 'GET', '/schools')).json.items).toHaveLength(2);
  });

  test('a school admin imports their school; families are created and welcomed', async () => {
    const done = await importAndWait('adminA', { name: 'maple.csv', bytes: FLAT }, { schoolId: String(schoolA) });
    expect(done).toMatchObject({ status: 'succeeded', format: 'flat', dryRun: false, schoolId: schoolA, error: null });
    const r = done.report;
    expect(r.errors).toEqual([]);
    expect(r.schools).toEqual({ created: 0, updated: 0, unchanged: 1, deactivated: 0 });
    expect(r.students).toEqual({ created: 3, updated: 0, unchanged: 0, deactivated: 0 });
    expect(r.guardians).toEqual({ created: 3, updated: 0, unchanged: 0, deactivated: 0 });
    expect(r.families).toEqual({ created: 2, updated: 0, unchanged: 0, deactivated: 0 });
    expect(r.classes.created).toBe(2);
    expect(r.teachers.created).toBe(2);
    expect(r.studentGuardians.added).toBe(4);
    expect(r.welcomes.queued).toBe(3); // one per textable number: Maria, Rosa, Tom
    const families = (await api('adminA', 'GET', `/families?schoolId=${schoolA}`)).json.items;
    expect(families.map((f: any) => f.name).sort()).toEqual([expect.stringMatching(/Diaz/), expect.stringMatching(/Lopez/)]);
    const inbox = await waitFor(async () => {
      const items = (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent('+15555550101')}`)).json()).items;
      return items.length ? items : null;
    });
    expect(inbox).toHaveLength(1);
    // The uploaded file is kept under its own name and is gone from the database once the import has run.
    expect(await findImport(app.deps.db, done.id)).toMatchObject({ fileName: 'maple.csv', fileBytes: Buffer.byteLength(FLAT) });
    expect(await storedPieces(app.deps.db, done.id)).toBe(0);
  });

  test('the same file again changes nothing', async () => {
    const done = await importAndWait('adminA', { name: 'maple.csv', bytes: FLAT }, { schoolId: String(schoolA) });
    expect(done.status).toBe('succeeded');
    const r = done.report;
    for (const k of ['schools', 'students', 'teachers', 'classes', 'families', 'guardians'] as const) expect(unchangedOnly(r[k])).toBe(true);
    for (const k of ['phones', 'studentGuardians', 'enrollments', 'classTeachers'] as const) expect(r[k]).toMatchObject({ added: 0, removed: 0, updated: 0 });
    expect(r.students.unchanged).toBe(3);
    expect(r.welcomes.queued).toBe(0);
  });

  test('a district admin imports a OneRoster .zip twice; the second run is all unchanged', async () => {
    const first = await importAndWait('district', { name: 'oneroster.zip', bytes: fixture('oneroster.zip') }, { welcome: 'false' });
    expect(first).toMatchObject({ status: 'succeeded', format: 'oneroster', schoolId: null });
    expect(first.report.schools.created).toBe(2);
    expect(first.report.classes.created).toBe(6);
    const second = await importAndWait('district', { name: 'oneroster.zip', bytes: fixture('oneroster.zip') }, { welcome: 'false' });
    const r = second.report;
    for (const k of ['schools', 'teachers', 'classes', 'families', 'guardians'] as const) expect(unchangedOnly(r[k])).toBe(true);
    // Not `deactivated`: the sync counts the file's tobedeleted student as deactivated on every run.
    expect(r.students).toMatchObject({ created: 0, updated: 0, unchanged: first.report.students.created });
    for (const k of ['phones', 'studentGuardians', 'enrollments', 'classTeachers'] as const) expect(r[k]).toMatchObject({ added: 0, removed: 0, updated: 0 });
    expect(r.errors).toEqual(first.report.errors); // row errors are reported again, against the uploaded file's names
  });

  test.each([
    ['a PNG named .csv', 'malformed/not-csv.csv', /not a CSV file/],
    ['a CSV missing a required column', 'malformed/missing-column.csv', /grade/],
  ])('%s fails with a clear message, once, and writes nothing', async (_what, file, message) => {
    const before = await familyCount();
    const done = await importAndWait('district', { name: path.basename(file), bytes: fixture(file) }, { welcome: 'false' });
    expect(done).toMatchObject({ status: 'failed', report: null, finishedAt: expect.any(String) });
    expect(done.error).toMatch(message);
    expect(done.error).toContain(path.basename(file)); // names the file as uploaded, not as stored
    expect(done.error).not.toMatch(/\n\s+at /); // a message, never a stack
    // The import is recorded failed just before the worker hands the job back to BullMQ.
    const job = await failedJob(app, done.id);
    expect(job.attemptsMade).toBe(1);
    expect(await familyCount()).toBe(before);
    expect(await storedPieces(app.deps.db, done.id)).toBe(0); // deleted after a failure too
  });

  test('a file of several megabytes arrives whole: its last row is read, after every piece before it', async () => {
    const row = (id: string, first: string, phone: string) =>
      `${id},${first},North,4,Maple Street School,Room 30,room30.teacher@maple.example.org,g-${id},Ida,North,${phone},en,mother,true`;
    // 650 rows whose 5,000-character first names are rejected one by one, between two good ones.
    const padded = Array.from({ length: 650 }, (_, i) => row(`s-pad-${i}`, 'N'.repeat(5000), '+1 555-555-0191'));
    const big = [FLAT.split('\r\n')[0], row('s-first', 'Ada', '+1 555-555-0190'), ...padded, row('s-last', 'Zoe', '+1 555-555-0192')].join('\r\n');
    expect(Buffer.byteLength(big)).toBeGreaterThan(3 * 1024 * 1024);
    const done = await importAndWait('district', { name: 'big.csv', bytes: big }, { dryRun: 'true' });
    expect(done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(done.report.students.created).toBe(2); // s-first and s-last
    expect(done.report.rejected.total).toBe(650);
    expect(done.report.errors[649]).toMatchObject({ file: 'big.csv', line: 652 });
    expect(await findImport(app.deps.db, done.id)).toMatchObject({ fileName: 'big.csv', fileBytes: Buffer.byteLength(big) });
    expect(await storedPieces(app.deps.db, done.id)).toBe(0);
  });

  test('fields are validated together, naming each one; a missing file is fields.file', async () => {
    const none = await upload('district', null, { welcome: 'false' });
    expect(none.status).toBe(400);
    expect(none.json.error).toMatchObject({ code: 'validation_failed', fields: { file: expect.stringMatching(/required/) } });
    const bad = await upload('district', { name: 'x.csv', bytes: FLAT }, { format: 'xml', dryRun: 'maybe', timezone: 'Mars/Base', from: 'call me', colour: 'red' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(['colour', 'dryRun', 'format', 'from', 'timezone']);
    const form = new FormData();
    form.append('roster', new Blob([FLAT]), 'maple.csv');
    const wrongField = await fetch(`${app.url}/api/v1/roster/imports`, { method: 'POST', headers: { authorization: `Bearer ${tokens.district}` }, body: form });
    expect(wrongField.status).toBe(400);
    expect((await wrongField.json()).error.fields).toEqual({ roster: expect.stringMatching(/"file"/) });
    const json = await fetch(`${app.url}/api/v1/roster/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.district}`, 'content-type': 'application/json' },
      body: JSON.stringify({ schoolId: schoolA }),
    });
    expect(json.status).toBe(400);
    expect((await json.json()).error.fields.file).toMatch(/multipart/);
  });

  test('who may upload: no token 401, teacher 403, another school 404, a school admin needs schoolId', async () => {
    const file = { name: 'maple.csv', bytes: FLAT };
    expect((await upload(null, file, { schoolId: String(schoolA) })).status).toBe(401);
    expect((await upload('teacherA', file, { schoolId: String(schoolA) })).status).toBe(403);
    expect((await upload('adminB', file, { schoolId: String(schoolA) })).status).toBe(404);
    const noSchool = await upload('adminA', file, {});
    expect(noSchool.status).toBe(400);
    expect(Object.keys(noSchool.json.error.fields)).toEqual(['schoolId']);
    expect((await upload('district', file, { schoolId: '999999' })).status).toBe(404);
  });
});

test('an unexpected error is retried; only the last attempt records a failure, in words of our own', async () => {
  const options = JSON.stringify({ schoolId: schoolA, welcome: true });
  const row = await insertImport(app.deps.db, { status: 'queued', dryRun: false, options, fileName: 'maple.csv', fileBytes: null, staffId: null, createdAt: new Date(clock.now()).toISOString() });
  const upload = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'familyline-retry-')), 'upload.part');
  fs.writeFileSync(upload, FLAT);
  await updateImport(app.deps.db, row.id, { fileBytes: await storeUpload(app.deps.db, row.id, upload) });
  fs.rmSync(path.dirname(upload), { recursive: true, force: true });
  // Redis gone: welcome texts cannot be queued, a plain Error rather than a bad file.
  const noRedis = { ...app.deps, queues: undefined } as unknown as Deps;
  await expect(runImport(noRedis, row.id, { lastAttempt: false })).rejects.toThrow(/Redis/);
  expect((await api('district', 'GET', `/roster/imports/${row.id}`)).json.status).toBe('queued');
  expect(await storedPieces(app.deps.db, row.id)).toBe(1); // kept for the retry
  expect(await runImport(noRedis, row.id, { lastAttempt: true })).toMatchObject({ kind: 'failed' });
  const { json } = await api('district', 'GET', `/roster/imports/${row.id}`);
  expect(json).toMatchObject({ status: 'failed', report: null, error: expect.stringMatching(/error on our side/) });
  expect(json.error).not.toMatch(/Redis/);
  expect(await storedPieces(app.deps.db, row.id)).toBe(0);
  expect(await runImport(app.deps, row.id, { lastAttempt: true })).toEqual({ kind: 'skipped' }); // finished imports never rerun
});

test('an upload is stored in pieces of about a megabyte and read back byte for byte', async () => {
  const bytes = crypto.randomBytes(3 * CHUNK_BYTES + 12345);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'familyline-pieces-'));
  try {
    fs.writeFileSync(path.join(dir, 'upload.part'), bytes);
    const options = JSON.stringify({ welcome: false });
    const row = await insertImport(app.deps.db, { status: 'failed', dryRun: true, options, fileName: 'district.zip', fileBytes: null, staffId: null, createdAt: new Date(clock.now()).toISOString() });
    const fileBytes = await storeUpload(app.deps.db, row.id, path.join(dir, 'upload.part'));
    expect(fileBytes).toBe(bytes.length);
    expect(await storedPieces(app.deps.db, row.id)).toBe(4);
    const copy = await fetchUpload(app.deps.db, { importId: row.id, fileName: 'district.zip', fileBytes });
    expect(path.basename(copy.path)).toBe('district.zip');
    expect(fs.readFileSync(copy.path).equals(bytes)).toBe(true);
    await copy.dispose();
    expect(fs.existsSync(path.dirname(copy.path))).toBe(false);
    // A file whose pieces are not all there is never imported as if it were whole.
    await app.deps.db.delete(rosterImportChunks).where(eq(rosterImportChunks.importId, row.id));
    await expect(fetchUpload(app.deps.db, { importId: row.id, fileName: 'district.zip', fileBytes })).rejects.toThrow(/no longer stored/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('GET /api/v1/roster/imports', () => {
  test('an import is visible to its uploader and the admins over its school, and 404 to anyone else', async () => {
    const mine = (await api('adminA', 'GET', '/roster/imports')).json.items;
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine.every((i: any) => i.schoolId === schoolA && !('report' in i))).toBe(true);
    const id = mine[0].id;
    expect((await api('district', 'GET', `/roster/imports/${id}`)).status).toBe(200);
    expect((await api('adminA', 'GET', `/roster/imports/${id}`)).status).toBe(200);
    expect((await api('adminB', 'GET', `/roster/imports/${id}`)).status).toBe(404);
    expect((await api('teacherA', 'GET', `/roster/imports/${id}`)).status).toBe(404);
    expect((await api(null, 'GET', `/roster/imports/${id}`)).status).toBe(401);
    expect((await api('adminB', 'GET', '/roster/imports')).json.items).toEqual([]);
    // A district-wide import (no school) is the district's business only.
    const all = (await api('district', 'GET', '/roster/imports?limit=2')).json;
    expect(all.items).toHaveLength(2);
    expect(all.items[0].id).toBeGreaterThan(all.items[1].id); // newest first
    const next = (await api('district', 'GET', `/roster/imports?limit=500&cursor=${all.nextCursor}`)).json.items;
    expect(next.every((i: any) => i.id < all.items[1].id)).toBe(true);
    expect((await api('adminA', 'GET', '/roster/imports?limit=500')).json.items.some((i: any) => i.schoolId === null)).toBe(false);
    expect((await api('district', 'GET', '/roster/imports/abc')).status).toBe(404);
  });
});

describe('limits on uploads (small ones, set through ROSTER_MAX_* as a district would)', () => {
  const MB = 1024 * 1024;
  // This host's temporary folder, its own for these tests, so what an upload leaves there shows.
  const hostTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'familyline-import-limits-'));
  const tmpBefore = process.env.TMPDIR;
  const leftInTmp = () => fs.readdirSync(hostTmp);
  const allPieces = async () => (await limited.deps.db.select({ seq: rosterImportChunks.seq }).from(rosterImportChunks)).length;
  let limited: TestApp;
  let token = '';
  const call = async (method: string, url: string) => {
    const res = await fetch(`${limited.url}/api/v1${url}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, text: await res.text() };
  };
  async function send(name: string, bytes: Buffer | string) {
    const form = new FormData();
    form.append('welcome', 'false');
    form.append('file', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)]), name);
    const res = await fetch(`${limited.url}/api/v1/roster/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    return { status: res.status, json: await res.json() };
  }
  async function sendAndWait(name: string, bytes: Buffer | string) {
    const res = await send(name, bytes);
    expect(res.status).toBe(202);
    return waitFor(async () => {
      const got = await call('GET', `/roster/imports/${res.json.id}`);
      const json = JSON.parse(got.text);
      return json.status === 'succeeded' || json.status === 'failed' ? { json, bytes: got.text.length } : null;
    }, 20000);
  }

  const ORGS = 'sourcedId,name,type\nsch-1,Cedar Grove Elementary,school\n';
  const USERS = 'sourcedId,status,enabledUser,orgSourcedIds,role,givenName,familyName\n';
  const FLAT_HEADER = FLAT.split('\r\n')[0];
  const oneRoster = (users: Buffer | string) => zip([{ name: 'orgs.csv', data: Buffer.from(ORGS) }, { name: 'users.csv', data: Buffer.from(users) }]);

  beforeAll(async () => {
    process.env.TMPDIR = hostTmp; // os.tmpdir() reads it on every call: multer's copy, the import's copy and its stage go here
    limited = await startTestApp('api-roster-limits', {
      clock,
      env: {
        ROSTER_MAX_UPLOAD_BYTES: String(MB),
        ROSTER_MAX_EXPANDED_BYTES: String(2 * MB),
        ROSTER_MAX_EXPANSION_RATIO: '100',
        ROSTER_MAX_ROWS: '5000',
        ROSTER_MAX_LINE_CHARS: '2000',
      },
    });
    token = (await addStaffWithToken(limited.deps.db, { email: 'district@limits.test', role: 'district_admin' }, new Date(clock.now()).toISOString())).token;
  });
  afterAll(async () => {
    await limited.stop();
    if (tmpBefore === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpBefore;
    fs.rmSync(hostTmp, { recursive: true, force: true });
  });

  test('a file over ROSTER_MAX_UPLOAD_BYTES is refused with a 413 naming the limit, and nothing is kept', async () => {
    const res = await send('roster.csv', Buffer.alloc(MB + 1, 'a'));
    expect(res.status).toBe(413);
    expect(res.json.error).toEqual({
      code: 'too_large',
      message: 'The file is larger than 1 MB, the most one import takes (ROSTER_MAX_UPLOAD_BYTES)',
      fields: { file: 'must be at most 1 MB' },
    });
    expect(JSON.parse((await call('GET', '/roster/imports')).text).items).toEqual([]);
    // No partial upload left behind, on disk or in the database.
    expect(leftInTmp()).toEqual([]);
    expect(await allPieces()).toBe(0);
  });

  test.each([
    ['a 3 KB zip that unpacks to 3 MB of blank lines after a valid header', 'export.zip', () => oneRoster(USERS + '\n'.repeat(3 * MB)), /ROSTER_MAX_EXPANDED_BYTES/],
    ['a zip whose users.csv unpacks at 1,000 to 1', 'export.zip', () => oneRoster(USERS + '\n'.repeat(1.5 * MB)), /ROSTER_MAX_EXPANSION_RATIO/],
    ['a zip of 10,000 malformed rows', 'export.zip', () => oneRoster(USERS + 'x\n'.repeat(10_000)), /users\.csv has more than 5,000 lines \(ROSTER_MAX_ROWS\)/],
    ['a flat CSV with a 500,000-character first name', 'roster.csv', () => `${FLAT_HEADER}\ns-1,${'N'.repeat(500_000)},Lopez,3,Maple Street School\n`, /roster\.csv line 2 is longer than 2,000 characters \(ROSTER_MAX_LINE_CHARS\)/],
  ])('%s fails with a message naming the limit, is not retried, and changes nothing', async (_what, name, build, limit) => {
    const { json } = await sendAndWait(name, build());
    expect(json).toMatchObject({ status: 'failed', report: null });
    expect(json.error).toMatch(limit);
    expect(json.error).toMatch(/a FamilyLine administrator can raise ROSTER_MAX_/);
    const job = await failedJob(limited, json.id);
    expect(job.attemptsMade).toBe(1);
    expect(JSON.parse((await call('GET', '/families')).text).items).toEqual([]);
    // The stored file is deleted, and so are the web role's and the worker's copies.
    expect(await allPieces()).toBe(0);
    expect(leftInTmp()).toEqual([]);
  });

  test('a file of 3,000 malformed rows imports what it can; its report counts them all and lists the first 1,000', async () => {
    const { json, bytes } = await sendAndWait('roster.csv', `${FLAT_HEADER}\n${'x\n'.repeat(3000)}`);
    expect(json.status).toBe('succeeded');
    expect(json.report.rejected).toEqual({ total: 3000, byKind: { misaligned: 3000 }, omitted: 2000 });
    expect(json.report.errors).toHaveLength(1000);
    expect(json.report.errors[0]).toEqual({ file: 'roster.csv', line: 2, kind: 'misaligned', reason: expect.stringContaining('1 field but the header has 14') });
    expect(json.report.errors[999].line).toBe(1001);
    // What is stored, and what every GET of it sends, stays small whatever the file held.
    expect(bytes).toBeLessThan(200_000);
    expect((await findImport(limited.deps.db, json.id))!.report!.length).toBeLessThan(200_000);
  });
});

test('an import cut short again and again (FamilyLine restarting under it) is given up and recorded failed, not started forever', async () => {
  // The web role alone: the runs below stand in for worker processes that die mid-import.
  const web = await startTestApp('api-roster-restarts', { clock, roles: ['web'] });
  // Quit below: BullMQ leaves a connection it was given open on close, and jest would never exit.
  const connection = web.deps.redis.duplicate();
  const worker = new Worker(QUEUE.rosterImport, undefined, { connection, prefix: web.config.queuePrefix, autorun: false });
  let started: ReturnType<typeof startRosterImportWorker> | null = null;
  try {
    const admin = (await addStaffWithToken(web.deps.db, { email: 'district@restarts.test', role: 'district_admin' }, new Date(clock.now()).toISOString())).token;
    const form = new FormData();
    form.append('welcome', 'false');
    form.append('file', new Blob([fixture('oneroster.zip')]), 'oneroster.zip');
    const res = await fetch(`${web.url}/api/v1/roster/imports`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: form });
    const { id } = await res.json();
    for (let run = 1; run <= ROSTER_IMPORT_ATTEMPTS; run++) {
      const job = await worker.getNextJob(`dead-worker-${run}`);
      expect(job?.attemptsStarted).toBe(run);
      // Where BullMQ puts a job whose worker died, once its lock has run out: back in the queue.
      await job!.moveToWait(`dead-worker-${run}`);
    }
    started = startRosterImportWorker(web.deps);
    const row = await waitFor(async () => {
      const r = await findImport(web.deps.db, id);
      return r?.status === 'failed' ? r : null;
    }, 20000);
    expect(row.error).toMatch(/^Import \d+ was cut short before it finished as often as an import may be .*so it is not run again/);
    expect(row.report).toBeNull();
    const job = (await web.deps.queues.rosterImport.getJob(rosterImportJobId(id)))!;
    expect(await job.isFailed()).toBe(true);
    expect(await web.deps.db.select().from(families)).toEqual([]); // the fourth start did not run the import
    expect(await storedPieces(web.deps.db, id)).toBe(0);
  } finally {
    // BullMQ leaves a connection it was given open on close (workers/index.ts quits them the same way).
    await started?.close();
    await (started?.opts.connection as { quit(): Promise<unknown> } | undefined)?.quit();
    await worker.close();
    await connection.quit();
    await web.stop();
  }
});
