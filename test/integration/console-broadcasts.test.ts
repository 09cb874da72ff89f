import { startTestApp, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { ConsoleClient } from '../helpers/console';
import { eq } from 'drizzle-orm';
import { seedFamily, seedSchool } from '../helpers/seed';
import { students } from '../../db/schema';
import { api } from '../helpers/broadcasts';
import { addStaffWithToken } from '../../src/staff/accounts';
import { pauseBroadcast } from '../../src/reminders/control';
import { GUARDRAIL_BANNER } from '../../src/reminders/guardrail';

/**
 * The console's broadcast form as a browser without JavaScript posts it: a school reminder
 * previewed in each language exactly as the API previews it, each mistake shown next to its field
 * (never a 500), one broadcast however many times its send form arrives, and the guardrail's banner.
 */

const clock = new TestClock('2026-11-18T15:00:00Z'); // 10:00 in New York
const PASSWORD = 'console broadcasts passphrase';
let app: TestApp;
let admin: ConsoleClient;
let token = '';
const ids = { school: 0, other: 0, otherStudent: 0, maria: 0, tam: 0 };

beforeAll(async () => {
  app = await startTestApp('console-broadcasts', { clock });
  await app.deps.queues.broadcast.pause(); // nothing here needs to leave
  const db = app.deps.db;
  const now = new Date(clock.now()).toISOString();
  ids.school = (await seedSchool(db, { name: 'Birch School', from: '+15555550951' })).id;
  ids.other = (await seedSchool(db, { name: 'Cedar School', from: '+15555550952' })).id;
  token = (await addStaffWithToken(db, { email: 'admin@console-broadcasts.test', role: 'school_admin', schoolId: ids.school, password: PASSWORD }, now)).token;
  ids.maria = (await seedFamily(db, ids.school, { name: 'Garcia', language: 'es', guardians: [{ first: 'Rosa', phone: '+15555550961' }], students: [{ first: 'Maria', grade: '2' }] })).students[0].id;
  ids.tam = (await seedFamily(db, ids.school, { name: 'Nguyen', guardians: [{ first: 'Hai', phone: '+15555550962' }], students: [{ first: 'Tam', grade: '2' }] })).students[0].id;
  ids.otherStudent = (await seedFamily(db, ids.other, { name: 'Baker', guardians: [{ first: 'Bea', phone: '+15555550963' }], students: [{ first: 'Bo', grade: '2' }] })).students[0].id;
  // The ids the school's roster file gave them, which is what an office pastes.
  for (const [id, rosterId] of [[ids.maria, 'BIRCH-0107'], [ids.tam, '20418'], [ids.otherStudent, 'CEDAR-0001']] as const) {
    await db.update(students).set({ externalId: rosterId }).where(eq(students.id, id));
  }
  admin = new ConsoleClient(app.url);
  expect((await admin.signIn('admin@console-broadcasts.test', PASSWORD)).status).toBe(303);
});

afterAll(async () => {
  await app.stop();
});

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const form = (over: Record<string, string> = {}) => ({ schoolId: String(ids.school), audience: 'school', source: 'written', text_en: 'Birch School: no school Friday.', when: 'now', ...over });
async function preview(over: Record<string, string>) {
  await admin.get('/console/broadcasts/new');
  return admin.post('/console/broadcasts/new', form(over));
}
/** The message shown next to a field, as the page writes it. */
const errorOf = (html: string, field: string) => new RegExp(`id="${field}-error">([^<]*)<`).exec(html)?.[1] ?? null;

test('a school reminder is previewed in each language the families read, word for word as the API previews it', async () => {
  const reminder = { reminderId: 'conference', slot_date: '2026-11-20', slot_time: '16:00', slot_endTime: '19:00' };
  const res = await preview({ source: 'reminder', text_en: '', ...reminder });
  expect(res.status).toBe(200);
  const body = { schoolId: ids.school, audience: { type: 'school' }, reminder: { id: 'conference', slots: { date: '2026-11-20', time: '16:00', endTime: '19:00' } } };
  const expected = (await api(app, token, 'POST', '/broadcasts/preview', body)).body;
  expect(expected.languages.map((l: { language: string }) => l.language).sort()).toEqual(['en', 'es']);
  for (const l of expected.languages) {
    expect(res.html).toContain(`<p class="sms" lang="${l.textLanguage}" dir="auto">${escape(l.text)}</p>`);
    expect(res.html).toContain(`<td class="cost">${l.cost}</td>`);
  }
  expect(res.html).toContain(`<span id="preview-recipients">${expected.recipients}</span>`);
});

test('each mistake is shown next to its field with a 400, and nothing is previewed', async () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ source: 'reminder', reminderId: 'conference', slot_time: '16:00', slot_endTime: '19:00' }, 'slot_date', /needs a date/],
    [{ source: 'reminder', reminderId: '' }, 'reminderId', /Choose a reminder/],
    [{ text_en: '', text_es: 'No hay clases el viernes.' }, 'text_en', /required/],
    [{ text_en: 'x'.repeat(1601) }, 'text_en', /at most 1,600/],
    [{ audience: 'grades' }, 'grades', /at least one grade/],
    [{ audience: 'students', studentIds: 'BIRCH-0107, BIRCH-9999' }, 'studentIds', /^Not students of this school: BIRCH-9999\.$/],
    [{ audience: 'students', studentIds: '' }, 'studentIds', /at least one student/],
    [{ audience: 'students', studentIds: 'CEDAR-0001' }, 'studentIds', /not students of this school: CEDAR-0001/i],
    [{ when: 'at', sendAt: '2026-11-17T10:00' }, 'sendAt', /in the past/],
    [{ when: 'at', sendAt: 'tomorrow' }, 'sendAt', /2026-11-18T17:00/],
    [{ when: 'local', localTime: '' }, 'localTime', /time of day/],
    [{ when: 'local', localTime: '25:00' }, 'localTime', /HH:MM/],
  ];
  for (const [over, field, message] of cases) {
    const res = await preview(over);
    expect([field, res.status]).toEqual([field, 400]);
    expect([field, errorOf(res.html, field)]).toEqual([field, expect.stringMatching(message)]);
    expect(res.html).not.toContain('id="send-form"');
  }
});

test('a school the admin may not broadcast to is missing (404)', async () => {
  expect((await preview({ schoolId: String(ids.other) })).status).toBe(404);
  expect((await preview({ schoolId: 'abc' })).status).toBe(404);
  expect((await admin.get(`/console/broadcasts/new?schoolId=${ids.other}`)).status).toBe(404);
});

test('roster student ids pasted one per line are previewed, and sent as that same list', async () => {
  const shown = await preview({ audience: 'students', studentIds: 'BIRCH-0107\r\n 20418\r\n', when: 'at', sendAt: '2026-11-19T11:00' });
  expect(shown.status).toBe(200);
  expect(shown.html).toContain('<span id="preview-recipients">2</span>');
  const copied = /name="studentIds" value="([^"]*)"/.exec(shown.html)![1];
  expect(copied).toBe('BIRCH-0107, 20418');
  const requestId = /name="requestId" value="([^"]+)"/.exec(shown.html)![1];
  const sent = await admin.post('/console/broadcasts', { ...form({ audience: 'students', studentIds: copied, when: 'at', sendAt: '2026-11-19T11:00' }), requestId });
  expect(sent.status).toBe(303);
  const id = Number(/\/(\d+)$/.exec(sent.location!)![1]);
  expect((await api(app, token, 'GET', `/broadcasts/${id}`)).body.audience).toEqual({ type: 'students', ids: [ids.maria, ids.tam] });
});

test('a send form that arrives twice at once, and once more later, makes one broadcast', async () => {
  const shown = await preview({ when: 'at', sendAt: '2026-11-19T09:00' });
  expect(shown.status).toBe(200);
  const requestId = /name="requestId" value="([^"]+)"/.exec(shown.html)![1];
  const send = () => admin.post('/console/broadcasts', { ...form({ when: 'at', sendAt: '2026-11-19T09:00' }), requestId });
  const [a, b] = await Promise.all([send(), send()]);
  const c = await send();
  expect([a.status, b.status, c.status]).toEqual([303, 303, 303]);
  expect(new Set([a.location, b.location, c.location]).size).toBe(1);
  const listed = (await api(app, token, 'GET', `/broadcasts?schoolId=${ids.school}`)).body.items.filter((b: { sendAt: string }) => b.sendAt === '2026-11-19T14:00:00.000Z');
  expect(listed).toHaveLength(1);
  expect(a.location).toBe(`/console/broadcasts/${listed[0].id}`);
  expect(listed[0]).toMatchObject({ status: 'scheduled', sendAt: '2026-11-19T14:00:00.000Z' });
  const page = await admin.get(a.location!);
  expect(page.html).toContain('Scheduled');
  expect(page.html).toContain('Thu Nov 19, 9:00 AM');
});

test('a broadcast the guardrail paused is announced on every console page of its admins until it is resumed', async () => {
  const created = await api(app, token, 'POST', '/broadcasts', { schoolId: ids.school, audience: { type: 'school' }, texts: { en: 'Birch School: library books are due.' }, sendAt: '2026-11-19T15:00:00Z' });
  const id = created.body.id as number;
  // As the guardrail pauses it when carriers filter too many of its texts (broadcasts-sending.test.ts drives that part).
  expect(await pauseBroadcast(app.deps, id, 'guardrail')).not.toBeNull();
  const inbox = await admin.get('/console/inbox');
  expect(inbox.html).toContain(`<a href="/console/broadcasts/${id}">Check broadcast ${id}</a>`);
  const page = await admin.get(`/console/broadcasts/${id}`);
  expect(page.html).toContain(GUARDRAIL_BANNER.replace(/'/g, '&#39;'));
  expect(page.html).toContain('>Resume</button>');
  const resumed = await admin.post(`/console/broadcasts/${id}/resume`, {});
  expect([resumed.status, resumed.location]).toEqual([303, `/console/broadcasts/${id}`]);
  expect((await admin.get(`/console/broadcasts/${id}`)).html).toContain('Resumed: the texts still waiting are on their way.');
  expect((await admin.get('/console/inbox')).html).not.toContain(`Check broadcast ${id}`);
});
