import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { ConsoleClient } from '../helpers/console';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';

/** The inbox's counts and names, teachers' signatures, writing to a family, and live events. */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z'); // Wednesday 10:00 in New York
const FROM = '+15555550601';
const PASSWORD = 'inbox test passphrase';
const PHONES = { garcia: '+15555550611', kim: '+15555550612', quiet: '+15555550613' };
let teacherToken = '';
let adminToken = '';
const ids = { garcia: 0, kim: 0, quiet: 0 };

const api = async (token: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: await res.json() };
};
const text = (from: string, body: string) =>
  fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to: FROM, body }) });
const received = async (to: string): Promise<{ body: string }[]> => (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items ?? [];
const conversationOf = async (familyId: number) => (await api(adminToken, 'GET', `/conversations?familyId=${familyId}`)).json.items[0];

beforeAll(async () => {
  app = await startTestApp('console-inbox', { clock });
  const db = app.deps.db;
  const now = new Date(clock.now()).toISOString();
  const school = await seedSchool(db, { from: FROM });
  const teacher = await addStaffWithToken(db, { email: 'lee@inbox.test', role: 'teacher', schoolId: school.id, name: 'Ms. Lee', password: PASSWORD }, now);
  teacherToken = teacher.token;
  adminToken = (await addStaffWithToken(db, { email: 'office@inbox.test', role: 'school_admin', schoolId: school.id, name: 'Office', password: PASSWORD }, now)).token;
  const garcia = await seedFamily(db, school.id, { name: 'Garcia', language: 'es', guardians: [{ first: 'Rosa', phone: PHONES.garcia }], students: [{ first: 'Maria', grade: '3' }, { first: 'Luis', grade: '1' }] });
  const kim = await seedFamily(db, school.id, { name: 'Kim', guardians: [{ first: 'Jin', phone: PHONES.kim }], students: [{ first: 'Min', grade: '3' }] });
  const quiet = await seedFamily(db, school.id, { name: 'Quinn', guardians: [{ first: 'Pat', phone: PHONES.quiet }], students: [{ first: 'Sam', grade: '3' }] });
  ids.garcia = garcia.family.id;
  ids.kim = kim.family.id;
  ids.quiet = quiet.family.id;
  const cls = await seedClass(db, school.id, { title: 'Grade 3', teacherIds: [teacher.staff.id] });
  await enroll(db, cls.id, [garcia.students[0].id, kim.students[0].id, quiet.students[0].id]);
});

afterAll(async () => {
  await app.stop();
});

test('keyword texts FamilyLine answers stay in the thread but are not unread; the API list names the family and children', async () => {
  await text(PHONES.garcia, 'HELP');
  await waitFor(async () => (await received(PHONES.garcia)).length >= 1); // FamilyLine's help answer
  await text(PHONES.garcia, 'English');
  await waitFor(async () => (await received(PHONES.garcia)).length >= 2);
  let conv = await conversationOf(ids.garcia);
  expect(conv.unreadCount).toBe(0);
  expect(conv.familyName).toBe('Garcia');
  expect(conv.children).toEqual(['Maria', 'Luis']);
  await text(PHONES.garcia, 'Can we talk about Maria?');
  conv = await waitFor(async () => {
    const c = await conversationOf(ids.garcia);
    return c.unreadCount === 1 ? c : null;
  });
  const messages = (await api(adminToken, 'GET', `/conversations/${conv.id}/messages`)).json.items;
  expect(messages.filter((m: any) => m.direction === 'inbound').map((m: any) => m.body)).toEqual(['HELP', 'English', 'Can we talk about Maria?']);
  // A "yes" from a number that never opted out is an answer for a person to read.
  await text(PHONES.garcia, 'YES');
  await waitFor(async () => (await conversationOf(ids.garcia)).unreadCount === 1); // read above, so 1 is the YES
});

test("a teacher's first text in a conversation each week is signed; the console and the API agree", async () => {
  const first = await api(teacherToken, 'POST', `/families/${ids.kim}/messages`, { body: 'Min did great on the spelling test.' });
  expect(first.status).toBe(202);
  expect(first.json).toMatchObject({ id: expect.any(Number), status: expect.any(String), conversationId: expect.any(Number), recipients: [{ to: PHONES.kim }] });
  const console = new ConsoleClient(app.url);
  await console.signIn('lee@inbox.test', PASSWORD);
  await console.get(`/console/conversations/${first.json.conversationId}`);
  expect((await console.post(`/console/conversations/${first.json.conversationId}/reply`, { body: 'Ask her about the word "because".' })).status).toBe(303);
  clock.advance(6 * 86_400_000); // next Tuesday
  await api(teacherToken, 'POST', `/conversations/${first.json.conversationId}/messages`, { body: 'New week, new words.' });
  const bodies = await waitFor(async () => {
    const got = (await received(PHONES.kim)).map((m) => m.body);
    return got.length === 3 ? got : null;
  });
  expect(bodies).toEqual(['Min did great on the spelling test.\n- Ms. Lee', 'Ask her about the word "because".', 'New week, new words.\n- Ms. Lee']);
  // An admin's text is the office's and is not signed.
  const office = await api(adminToken, 'POST', `/families/${ids.kim}/messages`, { body: 'Office hours are 8 to 4.' });
  expect(office.json.conversationId).toBe(first.json.conversationId); // reused, not a second conversation
  await waitFor(async () => (await received(PHONES.kim)).some((m) => m.body === 'Office hours are 8 to 4.'));
  clock.set('2026-11-18T15:00:00Z');
});

test('writing to a family that never texted opens its conversation; a teacher cannot write to a family outside their classes', async () => {
  expect(await conversationOf(ids.quiet)).toBeUndefined();
  const res = await api(adminToken, 'POST', `/families/${ids.quiet}/messages`, { body: 'Welcome to Grade 3!' });
  expect(res.status).toBe(202);
  expect((await conversationOf(ids.quiet)).id).toBe(res.json.conversationId);
  expect((await api(teacherToken, 'POST', '/families/999999/messages', { body: 'x' })).status).toBe(404);
  expect((await api(teacherToken, 'POST', `/families/${ids.quiet}/messages`, { body: '' })).status).toBe(400);
});

test('a live event reaches a signed-in page for a new text it may see', async () => {
  const c = new ConsoleClient(app.url);
  await c.signIn('lee@inbox.test', PASSWORD);
  const controller = new AbortController();
  const res = await fetch(`${app.url}/console/events`, {
    headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), accept: 'text/event-stream', 'x-forwarded-proto': 'https' },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  await reader.read(); // the retry line: connected and subscribed
  await text(PHONES.kim, 'Thank you!');
  const kimConv = await waitFor(async () => conversationOf(ids.kim));
  let seen = '';
  while (!seen.includes(`"conversationId":${kimConv.id}`)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  expect(seen).toContain('event: conversation');
  expect(seen).not.toContain('Thank you'); // the event says what changed, never the text
  controller.abort();
  expect((await c.get(`/console/conversations/${kimConv.id}/thread`)).html).toContain('Thank you!');
});

test('at night the reply box warns when a reply will leave, and a reply is held until then', async () => {
  const c = new ConsoleClient(app.url);
  await c.signIn('lee@inbox.test', PASSWORD);
  const conv = await conversationOf(ids.garcia);
  expect((await c.get(`/console/conversations/${conv.id}`)).html).not.toContain('Quiet hours at the school');
  clock.set('2026-11-19T02:30:00Z'); // 21:30 in New York
  try {
    const page = await c.get(`/console/conversations/${conv.id}`);
    expect(page.html).toContain('a reply sent now will be delivered at 8:00 AM tomorrow (school time)');
    const check = await c.get(`/console/conversations/${conv.id}/quiet-hours`, { accept: 'application/json' });
    expect(JSON.parse(check.html).warning).toContain('8:00 AM tomorrow');
    const sent = await c.post(`/console/conversations/${conv.id}/reply`, { body: 'Of course, call me tomorrow.' });
    expect(sent.status).toBe(303);
    expect((await c.get(`/console/conversations/${conv.id}`)).html).toContain('Quiet hours: it will be delivered at 8:00 AM tomorrow.');
    const held = (await api(adminToken, 'GET', `/conversations/${conv.id}/messages?limit=500`)).json.items.at(-1);
    expect(held).toMatchObject({ status: 'held', body: expect.stringContaining('Of course, call me tomorrow.') });
  } finally {
    clock.set('2026-11-18T15:00:00Z');
  }
});
