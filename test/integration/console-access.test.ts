import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { ConsoleClient } from '../helpers/console';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';

/**
 * Who may open which console page and do which action: the API's matrix (api-access.test.ts), for
 * the console. Anything outside a caller's visibility answers 404, exactly like a missing id.
 */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z'); // a Wednesday, 10:00 in New York
const FROM_A = '+15555550501';
const FROM_B = '+15555550502';
const PASSWORD = 'console access passphrase';
type Actor = 'district' | 'adminA' | 'teacherA' | 'teacherA2' | 'adminB' | 'teacherB';
const ACTORS: Actor[] = ['district', 'adminA', 'teacherA', 'teacherA2', 'adminB', 'teacherB'];
const clients = {} as Record<Actor, ConsoleClient>;
const ids = { classA: 0, classA2: 0, familyA: 0, familyA2: 0, familyB: 0, convA: 0, convB: 0, unmatchedA: 0 };

beforeAll(async () => {
  app = await startTestApp('console-access', { clock });
  const db = app.deps.db;
  const now = new Date(clock.now()).toISOString();
  const schoolA = await seedSchool(db, { name: 'School A', from: FROM_A });
  const schoolB = await seedSchool(db, { name: 'School B', from: FROM_B, timezone: 'America/Chicago' });
  const add = async (email: string, role: 'district_admin' | 'school_admin' | 'teacher', schoolId?: number) =>
    (await addStaffWithToken(db, { email, role, schoolId, name: `Staff ${email.split('@')[0]}`, password: PASSWORD }, now)).staff;
  await add('district@access.test', 'district_admin');
  await add('admin-a@access.test', 'school_admin', schoolA.id);
  const teacherA = await add('teacher-a@access.test', 'teacher', schoolA.id);
  const teacherA2 = await add('teacher-a2@access.test', 'teacher', schoolA.id);
  await add('admin-b@access.test', 'school_admin', schoolB.id);
  const teacherB = await add('teacher-b@access.test', 'teacher', schoolB.id);
  const a = await seedFamily(db, schoolA.id, { name: 'Adams', guardians: [{ first: 'Ana', phone: '+15555550511' }], students: [{ first: 'Ari', grade: '3' }] });
  const a2 = await seedFamily(db, schoolA.id, { name: 'Abbott', guardians: [{ first: 'Abe', phone: '+15555550512' }], students: [{ first: 'Ada', grade: '4' }] });
  const b = await seedFamily(db, schoolB.id, { name: 'Baker', guardians: [{ first: 'Bea', phone: '+15555550513' }], students: [{ first: 'Bo', grade: '3' }] });
  ids.familyA = a.family.id;
  ids.familyA2 = a2.family.id;
  ids.familyB = b.family.id;
  ids.classA = (await seedClass(db, schoolA.id, { title: 'Grade 3 Reading', teacherIds: [teacherA.id] })).id;
  ids.classA2 = (await seedClass(db, schoolA.id, { title: 'Grade 4 Math', teacherIds: [teacherA2.id] })).id;
  const classB = await seedClass(db, schoolB.id, { title: 'Grade 3 B', teacherIds: [teacherB.id] });
  await enroll(db, ids.classA, [a.students[0].id]);
  await enroll(db, ids.classA2, [a2.students[0].id]);
  await enroll(db, classB.id, [b.students[0].id]);
  const text = (from: string, to: string, body: string) =>
    fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to, body }) });
  await text('+15555550511', FROM_A, 'Hello from the Adams family');
  await text('+15555550513', FROM_B, 'Hello from the Bakers');
  await text('+15555550599', FROM_A, 'Who is this?');
  const district = (await addStaffWithToken(db, { email: 'district@access.test' }, now)).token;
  const convs = await waitFor(async () => {
    const res = await fetch(`${app.url}/api/v1/conversations`, { headers: { authorization: `Bearer ${district}` } });
    const items = (await res.json()).items;
    return items.length === 3 ? items : null;
  });
  ids.convA = convs.find((c: any) => c.familyId === ids.familyA).id;
  ids.convB = convs.find((c: any) => c.familyId === ids.familyB).id;
  ids.unmatchedA = convs.find((c: any) => c.familyId === null && c.schoolId === schoolA.id).id;
  const emails: Record<Actor, string> = {
    district: 'district@access.test',
    adminA: 'admin-a@access.test',
    teacherA: 'teacher-a@access.test',
    teacherA2: 'teacher-a2@access.test',
    adminB: 'admin-b@access.test',
    teacherB: 'teacher-b@access.test',
  };
  for (const actor of ACTORS) {
    clients[actor] = new ConsoleClient(app.url);
    expect((await clients[actor].signIn(emails[actor], PASSWORD)).status).toBe(303);
  }
});

afterAll(async () => {
  await app.stop();
});

type Probe = [string, 'GET' | 'POST', () => string, Actor[]];
const probes: Probe[] = [
  ['class page', 'GET', () => `/console/classes/${ids.classA}`, ['district', 'adminA', 'teacherA']],
  ['family page', 'GET', () => `/console/families/${ids.familyA}`, ['district', 'adminA', 'teacherA']],
  ['conversation page', 'GET', () => `/console/conversations/${ids.convA}`, ['district', 'adminA', 'teacherA']],
  ['conversation thread', 'GET', () => `/console/conversations/${ids.convA}/thread`, ['district', 'adminA', 'teacherA']],
  ['quiet-hours check', 'GET', () => `/console/conversations/${ids.convA}/quiet-hours`, ['district', 'adminA', 'teacherA']],
  ['unknown number', 'GET', () => `/console/conversations/${ids.unmatchedA}`, ['district', 'adminA']],
  ["another class's family", 'GET', () => `/console/families/${ids.familyA2}`, ['district', 'adminA', 'teacherA2']],
  ['reply', 'POST', () => `/console/conversations/${ids.convA}/reply`, ['district', 'adminA', 'teacherA']],
  ['write to a family', 'POST', () => `/console/families/${ids.familyA2}/messages`, ['district', 'adminA', 'teacherA2']],
];

describe.each(ACTORS)('%s', (actor) => {
  test.each(probes)('%s', async (_what, method, path, allowed) => {
    const c = clients[actor];
    await c.get('/console/inbox'); // a fresh CSRF token for the form
    const res = method === 'GET' ? await c.get(path()) : await c.post(path(), { body: `Checking in (${actor})` });
    const missing = method === 'GET' ? await c.get(path().replace(/\/\d+/, '/999999')) : await c.post(path().replace(/\/\d+/, '/999999'), { body: 'x' });
    if (allowed.includes(actor)) {
      expect(res.status).toBe(method === 'GET' ? 200 : 303);
    } else {
      expect(res.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(res.html).not.toMatch(/Adams|Abbott|Ari|Ada/);
    }
  });
});

test('each inbox lists only what its reader may see; a teacher has no unknown-numbers tab', async () => {
  const inbox = async (actor: Actor, tab: string) => (await clients[actor].get(`/console/inbox?tab=${tab}`)).html;
  expect(await inbox('teacherA', 'office')).toContain('Adams');
  expect(await inbox('teacherA2', 'office')).not.toContain('Adams');
  expect(await inbox('teacherA', 'office')).not.toContain('tab=unmatched');
  expect(await inbox('teacherA', 'unmatched')).not.toContain('Who is this');
  expect(await inbox('adminA', 'unmatched')).toContain('+15555550599');
  expect(await inbox('adminB', 'office')).toContain('Baker');
  expect(await inbox('adminB', 'office')).not.toContain('Adams');
  expect(await inbox('district', 'office')).toMatch(/Adams[\s\S]*Ari/);
});

test('class lists follow the roster: a teacher sees their classes only', async () => {
  const list = async (actor: Actor) => (await clients[actor].get('/console/classes')).html;
  expect(await list('teacherA')).toContain('Grade 3 Reading');
  expect(await list('teacherA')).not.toContain('Grade 4 Math');
  expect(await list('adminA')).toMatch(/Grade 3 Reading[\s\S]*Grade 4 Math/);
  expect(await list('adminB')).not.toContain('Grade 3 Reading');
  expect(await list('district')).toContain('Grade 3 B');
});

test('a teacher may not send an urgent text; the draft stays on the page', async () => {
  const c = clients.teacherA;
  await c.get(`/console/conversations/${ids.convA}`);
  const res = await c.post(`/console/conversations/${ids.convA}/reply`, { body: 'Closing early today', urgent: 'on' });
  expect(res.status).toBe(403);
  expect(res.html).toContain('Closing early today');
});
