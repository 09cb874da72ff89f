import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { enroll, seedClass } from '../helpers/seed';
import { Readable } from 'node:stream';
import { addStaffWithToken, revokeStaffTokens } from '../../src/staff/accounts';
import { verifyPassword } from '../../src/staff/passwords';
import { staffAdd } from '../../src/cli/staff';
import { findStaffByEmail } from '../../db/repositories/staff';

/** Bearer auth and who sees what: another school's rows answer exactly like missing ones. */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z');
const FROM_A = '+15555550401';
const FROM_B = '+15555550402';
const tokens: Record<'district' | 'adminA' | 'teacherA' | 'adminB', string> = {} as never;
const ids = { schoolA: 0, schoolB: 0, familyA: 0, familyB: 0, convA: 0, convB: 0, unmatchedA: 0, messageB: 0 };

async function api(who: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (who !== null) headers.authorization = `Bearer ${who}`;
  const res = await fetch(`${app.url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

const text = (from: string, to: string, body: string) =>
  fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to, body }) });

const family = (schoolId: number, name: string, phone: string) => ({
  schoolId,
  name,
  guardians: [{ firstName: 'Alex', lastName: name, phone, relationship: 'parent' }],
  students: [{ firstName: 'Jo', lastName: name, grade: 'PK' }],
});

beforeAll(async () => {
  app = await startTestApp('api-scope', { clock });
  const now = new Date(clock.now()).toISOString();
  tokens.district = (await addStaffWithToken(app.deps.db, { email: 'district@scope.test', role: 'district_admin' }, now)).token;
  ids.schoolA = (await api(tokens.district, 'POST', '/schools', { name: 'School A', timezone: 'America/New_York', from: FROM_A })).json.id;
  ids.schoolB = (await api(tokens.district, 'POST', '/schools', { name: 'School B', timezone: 'America/Chicago', from: FROM_B })).json.id;
  tokens.adminA = (await addStaffWithToken(app.deps.db, { email: 'admin-a@scope.test', role: 'school_admin', schoolId: ids.schoolA }, now)).token;
  const teacherA = await addStaffWithToken(app.deps.db, { email: 'teacher-a@scope.test', role: 'teacher', schoolId: ids.schoolA }, now);
  tokens.teacherA = teacherA.token;
  tokens.adminB = (await addStaffWithToken(app.deps.db, { email: 'admin-b@scope.test', role: 'school_admin', schoolId: ids.schoolB }, now)).token;
  const familyA = (await api(tokens.adminA, 'POST', '/families', family(ids.schoolA, 'Adams', '+15555550411'))).json;
  ids.familyA = familyA.id;
  // Teachers see the families of their own students only (api-access.test.ts has the full matrix).
  const preK = await seedClass(app.deps.db, ids.schoolA, { title: 'Pre-K', teacherIds: [teacherA.staff.id] });
  await enroll(app.deps.db, preK.id, [familyA.students[0].id]);
  ids.familyB = (await api(tokens.adminB, 'POST', '/families', family(ids.schoolB, 'Baker', '+15555550412'))).json.id;
  await text('+15555550411', FROM_A, 'hi from A');
  await text('+15555550412', FROM_B, 'hi from B');
  await text('+15555550419', FROM_A, 'who is this?');
  const convs = await waitFor(async () => {
    const items = (await api(tokens.district, 'GET', '/conversations')).json.items;
    return items.length === 3 ? items : null;
  });
  ids.convA = convs.find((c: any) => c.familyId === ids.familyA).id;
  ids.convB = convs.find((c: any) => c.familyId === ids.familyB).id;
  ids.unmatchedA = convs.find((c: any) => c.familyId === null).id;
  ids.messageB = (await api(tokens.adminB, 'POST', `/conversations/${ids.convB}/messages`, { body: 'Hello Bakers' })).json.id;
});

afterAll(async () => {
  await app.stop();
});

describe('authentication', () => {
  test.each([
    ['no header', null],
    ['an unknown token', 'fl_not-a-real-token'],
    ['an empty bearer', ''],
  ])('%s → 401 unauthorized', async (_label, token) => {
    const res = await api(token, 'GET', '/schools');
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthorized');
  });

  test('a Basic header with a real token is not a bearer token', async () => {
    const res = await fetch(`${app.url}/api/v1/schools`, { headers: { authorization: `Basic ${tokens.district}` } });
    expect(res.status).toBe(401);
  });

  test('a revoked token stops working; a new one works', async () => {
    const now = new Date(clock.now()).toISOString();
    const { token } = await addStaffWithToken(app.deps.db, { email: 'temp@scope.test', role: 'teacher', schoolId: ids.schoolA }, now);
    expect((await api(token, 'GET', '/schools')).status).toBe(200);
    await revokeStaffTokens(app.deps.db, 'temp@scope.test', now);
    expect((await api(token, 'GET', '/schools')).status).toBe(401);
    const again = await addStaffWithToken(app.deps.db, { email: 'TEMP@scope.test' }, now);
    expect(again.created).toBe(false);
    expect((await api(again.token, 'GET', '/schools')).status).toBe(200);
  });
});

describe('console passwords', () => {
  const addWithPassword = async (email: string, line: string, lines: string[] = []) =>
    staffAdd({ values: { email, role: 'district_admin', password: true }, positionals: [], db: app.deps.db, config: app.config, out: (l) => lines.push(l), stdin: Readable.from([line]) });

  test('--password reads one line from a pipe, stores only an argon2id hash, and still prints a token last', async () => {
    const out: string[] = [];
    await addWithPassword('Pw@scope.test', 'correct horse battery\n', out);
    expect((await api(out[out.length - 1], 'GET', '/schools')).status).toBe(200);
    const row = await findStaffByEmail(app.deps.db, 'pw@scope.test');
    expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row?.passwordHash).not.toContain('horse');
    expect(out.join('\n')).not.toContain('horse');
    expect(await verifyPassword(app.deps.db, ' PW@scope.test', 'correct horse battery')).toMatchObject({ id: row!.id, role: 'district_admin' });
    for (const [email, password] of [['pw@scope.test', 'correct horse battery!'], ['pw@scope.test', ''], ['nobody@scope.test', 'correct horse battery']]) {
      expect(await verifyPassword(app.deps.db, email, password)).toBeNull();
    }
  });

  test('a short password changes nothing; a second add replaces the password on the same account', async () => {
    await expect(addWithPassword('short@scope.test', 'too short\n')).rejects.toThrow(/at least 10 characters/);
    expect(await findStaffByEmail(app.deps.db, 'short@scope.test')).toBeUndefined();
    const out: string[] = [];
    await addWithPassword('pw@scope.test', 'a brand new passphrase\r\n', out);
    expect(out[0]).toMatch(/^Updated \(password changed\) staff #/);
    expect(await verifyPassword(app.deps.db, 'pw@scope.test', 'correct horse battery')).toBeNull();
    expect(await verifyPassword(app.deps.db, 'pw@scope.test', 'a brand new passphrase')).not.toBeNull();
    await revokeStaffTokens(app.deps.db, 'pw@scope.test', new Date(clock.now()).toISOString());
    expect(await verifyPassword(app.deps.db, 'pw@scope.test', 'a brand new passphrase')).not.toBeNull(); // revoking tokens is not a sign-out
  });
});

describe("a school admin of A and school B's rows", () => {
  const missing = 999999;
  // Every row has four entries: jest takes a missing one for a done callback.
  const probes: [string, string, (id: typeof ids) => string, unknown][] = [
    ['school', 'GET', (i) => `/schools/${i.schoolB}`, undefined],
    ['school patch', 'PATCH', (i) => `/schools/${i.schoolB}`, { name: 'Mine now' }],
    ['family', 'GET', (i) => `/families/${i.familyB}`, undefined],
    ['family patch', 'PATCH', (i) => `/families/${i.familyB}`, { name: 'Mine now' }],
    ['conversation', 'GET', (i) => `/conversations/${i.convB}`, undefined],
    ['conversation messages', 'GET', (i) => `/conversations/${i.convB}/messages`, undefined],
    ['reply', 'POST', (i) => `/conversations/${i.convB}/messages`, { body: 'hello' }],
    ['message', 'GET', (i) => `/messages/${i.messageB}`, undefined],
  ];

  test.each(probes)('%s is a 404, the same answer as a missing id', async (_what, method, path, body) => {
    const theirs = await api(tokens.adminA, method, path(ids), body);
    const absent = await api(tokens.adminA, method, path({ ...ids, schoolB: missing, familyB: missing, convB: missing, messageB: missing }), body);
    expect(theirs.status).toBe(404);
    expect(absent.status).toBe(404);
    expect(theirs.json.error.code).toBe(absent.json.error.code);
    expect(JSON.stringify(theirs.json)).not.toContain('Baker');
  });

  test('the same rows are visible to their own admin and to the district admin', async () => {
    for (const who of [tokens.adminB, tokens.district]) {
      expect((await api(who, 'GET', `/families/${ids.familyB}`)).status).toBe(200);
      expect((await api(who, 'GET', `/messages/${ids.messageB}`)).status).toBe(200);
    }
  });

  test('lists leave them out, even when asked by id', async () => {
    const schools = (await api(tokens.adminA, 'GET', '/schools')).json.items.map((s: any) => s.id);
    expect(schools).toEqual([ids.schoolA]);
    const families = (await api(tokens.adminA, 'GET', `/families?schoolId=${ids.schoolB}`)).json.items;
    expect(families).toEqual([]);
    const convs = (await api(tokens.adminA, 'GET', '/conversations')).json.items.map((c: any) => c.id).sort();
    expect(convs).toEqual([ids.convA, ids.unmatchedA].sort());
    expect((await api(tokens.adminA, 'GET', `/conversations?familyId=${ids.familyB}`)).json.items).toEqual([]);
  });

  test('creating a family in school B is a 404 too', async () => {
    const res = await api(tokens.adminA, 'POST', '/families', family(ids.schoolB, 'Intruder', '+15555550418'));
    expect(res.status).toBe(404);
  });
});

describe('roles', () => {
  test('only a district admin creates schools', async () => {
    expect((await api(tokens.adminA, 'POST', '/schools', { name: 'X', timezone: 'America/New_York' })).status).toBe(403);
    expect((await api(tokens.teacherA, 'POST', '/schools', { name: 'X', timezone: 'America/New_York' })).status).toBe(403);
  });

  test('a school admin edits their own school; a teacher may not', async () => {
    expect((await api(tokens.adminA, 'PATCH', `/schools/${ids.schoolA}`, { mps: 2 })).json.mps).toBe(2);
    expect((await api(tokens.teacherA, 'PATCH', `/schools/${ids.schoolA}`, { mps: 3 })).status).toBe(403);
  });

  test('a teacher reads their students’ families but may not add or change them', async () => {
    expect((await api(tokens.teacherA, 'GET', `/families/${ids.familyA}`)).status).toBe(200);
    expect((await api(tokens.teacherA, 'POST', '/families', family(ids.schoolA, 'Nope', '+15555550417'))).status).toBe(403);
    expect((await api(tokens.teacherA, 'PATCH', `/families/${ids.familyA}`, { name: 'Nope' })).status).toBe(403);
  });

  test('a teacher does not see the office inbox of unknown numbers', async () => {
    expect((await api(tokens.teacherA, 'GET', `/conversations/${ids.unmatchedA}`)).status).toBe(404);
    const convs = (await api(tokens.teacherA, 'GET', '/conversations')).json.items.map((c: any) => c.id);
    expect(convs).toEqual([ids.convA]);
  });

  test('only admins may mark a reply urgent', async () => {
    const teacher = await api(tokens.teacherA, 'POST', `/conversations/${ids.convA}/messages`, { body: 'Closing early', urgent: true });
    expect(teacher.status).toBe(403);
    const admin = await api(tokens.adminA, 'POST', `/conversations/${ids.convA}/messages`, { body: 'Closing early', urgent: true });
    expect(admin.status).toBe(202);
    expect((await api(tokens.adminA, 'GET', `/messages/${admin.json.id}`)).json.urgent).toBe(true);
  });
});
