import { and, eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { api, simInbox } from '../helpers/broadcasts';
import { conversations, families, messages, optOuts, phones, students } from '../../db/schema';
import { addStaffWithToken } from '../../src/staff/accounts';
import { ConsoleClient } from '../helpers/console';

/**
 * Bulk reminders through the API on a real database, Redis and the simulator: who an audience
 * reaches and who it skips and why, the preview's languages and cost, the send to "delivered",
 * the report (JSON and CSV) with error codes in plain words and replies tallied, and who may do it.
 */

const SENDER = '+15555550100'; // the simulator's default sender: the school has no number of its own
const clock = new TestClock('2026-11-18T15:00:00Z'); // 10:00 in New York, a Wednesday
let app: TestApp;
let tokens: { admin: string; teacher: string; district: string; otherAdmin: string };
let schoolId: number;
const P = {
  garcia: '+15555552001',
  smith: '+15555552002',
  jones: '+15555552003',
  brownMom: '+15555552004',
  brownDad: '+15555552005',
  lee: '+15555552006',
  novak: '+15555552007',
  ng: '+15555552008',
  ortiz: '+15555552009',
  dubois: '+15555552010',
  landline: '+15555552011',
};
const ids: Record<string, number> = {};
let classId: number;

const PASSWORD = 'juniper-office-2026-long';
const EN = 'School is closed on Friday for a teacher workday. Reply 1 if you need childcare.';
const ES = 'La escuela está cerrada el viernes por una jornada de maestros. Responda 1 si necesita cuidado.';

beforeAll(async () => {
  app = await startTestApp('api-broadcasts', { clock });
  await app.deps.queues.nudges.pause();
  const db = app.deps.db;
  const school = await seedSchool(db, { name: 'Juniper Elementary' });
  const other = await seedSchool(db, { name: 'Alder Middle School' });
  schoolId = school.id;
  const at = new Date(clock.now()).toISOString();
  const admin = await addStaffWithToken(db, { email: 'office@bcast.test', role: 'school_admin', schoolId: school.id, password: PASSWORD }, at);
  const teacher = await addStaffWithToken(db, { email: 'teacher@bcast.test', role: 'teacher', schoolId: school.id }, at);
  const district = await addStaffWithToken(db, { email: 'district@bcast.test', role: 'district_admin' }, at);
  const otherAdmin = await addStaffWithToken(db, { email: 'alder@bcast.test', role: 'school_admin', schoolId: other.id }, at);
  tokens = { admin: admin.token, teacher: teacher.token, district: district.token, otherAdmin: otherAdmin.token };

  const garcia = await seedFamily(db, school.id, { name: 'Garcia', language: 'es', guardians: [{ first: 'Rosa', phone: P.garcia }], students: [{ first: 'Lucia', grade: '3' }, { first: 'Mateo', grade: '5' }] });
  const smith = await seedFamily(db, school.id, { name: 'Smith', guardians: [{ first: 'Pat', phone: P.smith }], students: [{ first: 'Sam', grade: '3' }] });
  const jones = await seedFamily(db, school.id, { name: 'Jones', guardians: [{ first: 'Kim', phone: P.jones }], students: [{ first: 'Jo', grade: '3' }] });
  await db.insert(optOuts).values({ phoneNumber: P.jones, sendingNumber: SENDER, since: at, keyword: 'STOP', source: 'keyword' });
  const brown = await seedFamily(db, school.id, { name: 'Brown', guardians: [{ first: 'Mia', phone: P.brownMom }, { first: 'Tom', phone: P.brownDad, noContact: ['Ava'] }], students: [{ first: 'Ava', grade: '4' }] });
  const lee = await seedFamily(db, school.id, { name: 'Lee', language: 'pt', guardians: [{ first: 'Ana', phone: P.lee }], students: [{ first: 'Liam', grade: '3' }] });
  await db.update(phones).set({ canReceive: false }).where(eq(phones.number, P.lee));
  const novak = await seedFamily(db, school.id, { name: 'Novak', language: 'pl', guardians: [{ first: 'Ola', phone: P.novak }], students: [{ first: 'Jan', grade: '5' }] });
  await db.update(families).set({ pausedUntil: '2026-12-01T00:00:00.000Z' }).where(eq(families.id, novak.family.id));
  const ng = await seedFamily(db, school.id, { name: 'Ng', language: 'ar', guardians: [{ first: 'Hana', phone: P.ng, noContact: ['Kai'] }], students: [{ first: 'Kai', grade: '3' }] });
  const ortiz = await seedFamily(db, school.id, { name: 'Ortiz', guardians: [{ first: 'Luz', phone: P.ortiz }], students: [{ first: 'Leo', grade: '5' }] });
  // Five automated texts this week already (from another family of the number): over its budget.
  const [c] = await db.insert(conversations).values({ schoolId: school.id, familyId: ortiz.family.id, createdAt: at }).returning();
  for (let i = 0; i < 5; i++) {
    await db.insert(messages).values({ conversationId: c.id, direction: 'outbound', kind: 'reminder', body: 'Earlier', fromNumber: SENDER, toNumber: P.ortiz, status: 'delivered', createdAt: at, updatedAt: at });
  }
  const dubois = await seedFamily(db, school.id, { name: 'Dubois', language: 'fr', guardians: [{ first: 'Luc', phone: P.dubois }], students: [{ first: 'Zoé', grade: '4' }] });
  Object.assign(ids, {
    garcia: garcia.family.id, smith: smith.family.id, jones: jones.family.id, brown: brown.family.id, lee: lee.family.id,
    novak: novak.family.id, ng: ng.family.id, ortiz: ortiz.family.id, dubois: dubois.family.id,
    mateo: garcia.students[1].id, sam: smith.students[0].id, ava: brown.students[0].id, otherSchool: other.id,
  });
  const cls = await seedClass(db, school.id, { title: 'Grade 3/4 Reading' });
  await enroll(db, cls.id, [smith.students[0].id, brown.students[0].id]);
  classId = cls.id;
});
afterAll(async () => {
  await app.stop();
});

const body = (over: Record<string, unknown> = {}) => ({ schoolId, audience: { type: 'school', grades: [], ids: [] }, texts: { en: EN, es: ES }, sendAt: null, localTime: null, urgent: false, ...over });

test('a preview counts families, languages, segments and cost, and lists who is skipped and why', async () => {
  const res = await api(app, tokens.admin, 'POST', '/broadcasts/preview', body());
  expect(res.status).toBe(200);
  const p = res.body;
  expect(p.families).toBe(9);
  expect(p.recipients).toBe(4); // Garcia, Smith, Brown (Mia only), Dubois
  const byLang = Object.fromEntries(p.languages.map((l: any) => [l.language, l]));
  expect(byLang.en).toMatchObject({ recipients: 2, textLanguage: 'en', encoding: 'GSM-7', segments: 1, cost: 2 });
  expect(byLang.es).toMatchObject({ recipients: 1, textLanguage: 'es', encoding: 'UCS-2', segments: 2, cost: 2 });
  expect(byLang.fr).toMatchObject({ recipients: 1, textLanguage: 'en', cost: 1 });
  expect(p.cost).toBe(5);
  expect(p.fallbacks).toEqual([{ language: 'fr', families: 1, warning: expect.stringContaining('1 family reads French') }]);
  expect(p.skippedByReason).toEqual({ opted_out: 1, no_number: 1, paused: 1, may_not_contact: 1, budget: 1 });
  expect(p.skipped).toEqual(
    expect.arrayContaining([
      { familyId: ids.jones, phone: P.jones, reason: 'opted_out' },
      { familyId: ids.lee, phone: null, reason: 'no_number' },
      { familyId: ids.novak, phone: P.novak, reason: 'paused' },
      { familyId: ids.ng, phone: null, reason: 'may_not_contact' },
      { familyId: ids.ortiz, phone: P.ortiz, reason: 'budget' },
    ]),
  );
  // Nothing was stored.
  expect((await api(app, tokens.admin, 'GET', `/broadcasts?schoolId=${schoolId}`)).body.items).toEqual([]);
});

test('an urgent preview reaches the paused family and ignores the weekly budget', async () => {
  const p = (await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ urgent: true }))).body;
  expect(p.recipients).toBe(6);
  expect(p.skippedByReason).toEqual({ opted_out: 1, no_number: 1, may_not_contact: 1 });
});

test('grades, classes and student lists pick their families; a list naming another school answers 400', async () => {
  const grades = (await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ audience: { type: 'grades', grades: ['3'] } }))).body;
  expect(grades.families).toBe(5); // Garcia (Lucia), Smith, Jones, Lee, Ng
  const classes = (await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ audience: { type: 'classes', ids: [classId] } }))).body;
  expect(classes.families).toBe(2);
  expect(classes.recipients).toBe(2); // Smith; Brown through Mia (Tom may not be contacted about Ava)
  const studentsP = (await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ audience: { type: 'students', ids: [ids.mateo] } }))).body;
  expect(studentsP).toMatchObject({ families: 1, recipients: 1 });
  const bad = await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ audience: { type: 'classes', ids: [classId, 999999] } }));
  expect(bad.status).toBe(400);
  expect(bad.body.error.fields['audience.ids']).toContain('999999');
});

test('a list of student ids from the school\'s roster file (its own ids, as strings) picks those students\' families; unknown ones are named', async () => {
  await app.deps.db.update(students).set({ externalId: 'SIS-20417' }).where(eq(students.id, ids.mateo));
  await app.deps.db.update(students).set({ externalId: '100233' }).where(eq(students.id, ids.sam));
  const p = await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ audience: { type: 'students', ids: ['SIS-20417', ' 100233 ', ids.ava] } }));
  expect(p.status).toBe(200);
  expect(p.body).toMatchObject({ families: 3 }); // Garcia (Mateo), Smith (Sam), Brown (Ava)
  const unknown = await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ audience: { type: 'students', ids: ['SIS-20417', 'SIS-99999'] } }));
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.fields['audience.ids']).toBe('not students of this school: SIS-99999');
  // Another school's admin cannot reach them by roster id either.
  const elsewhere = await api(app, tokens.otherAdmin, 'POST', '/broadcasts/preview', body({ schoolId: ids.otherSchool, audience: { type: 'students', ids: ['SIS-20417'] } }));
  expect(elsewhere.status).toBe(400);
  const classesByName = await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ audience: { type: 'classes', ids: ['READ-1'] } }));
  expect(classesByName.status).toBe(400);
  expect(Object.keys(classesByName.body.error.fields)).toEqual(['audience.ids']);
});

test('a broadcast goes out once per number in each family language, ends done, and its report explains every row', async () => {
  await fetch(`${app.url}/sim/api/failures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: P.smith, errorCode: 30006, times: 1 }) });
  const created = await api(app, tokens.admin, 'POST', '/broadcasts', body());
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ schoolId, status: 'scheduled', urgent: false, audience: { type: 'school' }, texts: { en: EN, es: ES } });
  const id = created.body.id;
  const done = await waitFor(async () => {
    const b = (await api(app, tokens.admin, 'GET', `/broadcasts/${id}`)).body;
    return b.status === 'done' && b.counts.delivered + b.counts.failed === 4 ? b : null;
  }, 20_000);
  expect(done.counts).toMatchObject({ delivered: 3, failed: 1, skipped: 5, queued: 0, held: 0, canceled: 0, total: 9 });
  expect(done.banner).toBeNull();
  expect((await simInbox(app, P.garcia)).map((m) => m.body)).toEqual([ES]);
  expect((await simInbox(app, P.dubois)).map((m) => m.body)).toEqual([EN]);
  expect(await simInbox(app, P.brownDad)).toEqual([]);
  for (const skipped of [P.jones, P.novak, P.ortiz, P.lee, P.ng]) expect(await simInbox(app, skipped)).toEqual([]);
  const kinds = await app.deps.db.select({ kind: messages.kind, conversationId: messages.conversationId }).from(messages).where(eq(messages.broadcastId, id));
  expect(kinds).toHaveLength(4);
  expect(new Set(kinds.map((k) => k.kind))).toEqual(new Set(['reminder']));
  const [garciaConv] = await app.deps.db.select().from(conversations).where(and(eq(conversations.schoolId, schoolId), eq(conversations.familyId, ids.garcia)));
  expect(kinds.map((k) => k.conversationId)).toContain(garciaConv.id);

  // Families answer: two "1"s and a thank-you.
  for (const [from, text] of [[P.garcia, '1'], [P.brownMom, ' 1 '], [P.dubois, 'Merci, noted!']]) {
    const r = await fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to: SENDER, body: text }) });
    expect(r.status).toBe(200);
  }
  const report = await waitFor(async () => {
    const r = (await api(app, tokens.admin, 'GET', `/broadcasts/${id}/report`)).body;
    return r.replies.count === 3 ? r : null;
  });
  expect(report.replies).toEqual({ count: 3, recipients: 3, answers: { '1': 2 } });
  expect(report.totals).toMatchObject({ delivered: 3, failed: 1, skipped: 5, total: 9 });
  const row = (familyId: number) => report.rows.filter((r: any) => r.familyId === familyId);
  expect(row(ids.smith)).toEqual([{ familyId: ids.smith, studentIds: [ids.sam], phone: P.smith, language: 'en', status: 'failed', errorCode: 30006, meaning: "landline: can't receive texts", reason: null }]);
  expect(row(ids.garcia)[0]).toMatchObject({ status: 'delivered', language: 'es', errorCode: null, meaning: null });
  expect(row(ids.garcia)[0].studentIds).toHaveLength(2);
  expect(row(ids.lee)).toEqual([expect.objectContaining({ phone: null, status: 'skipped', reason: 'no_number' })]);
  expect(row(ids.ortiz)).toEqual([expect.objectContaining({ phone: P.ortiz, status: 'skipped', reason: 'budget' })]);

  const csv = await api(app, tokens.admin, 'GET', `/broadcasts/${id}/report.csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toContain('text/csv');
  const lines = (csv.body as string).trim().split('\r\n');
  expect(lines[0]).toBe('"familyId","studentIds","phone","language","status","errorCode","meaning","reason"');
  expect(lines).toHaveLength(10);
  // A cell starting with + would be a formula in a spreadsheet: it is neutralized.
  expect(lines).toContain(`${ids.smith},"${ids.sam}","'${P.smith}","en","failed",30006,"landline: can't receive texts",`);
  expect(lines).toContain(`${ids.lee},"${row(ids.lee)[0].studentIds.join(' ')}",,"pt","skipped",,,"no_number"`);

  // Control of a finished broadcast is a conflict, not a change.
  expect((await api(app, tokens.admin, 'POST', `/broadcasts/${id}/pause`)).status).toBe(409);
  const listed = (await api(app, tokens.district, 'GET', `/broadcasts?schoolId=${schoolId}`)).body;
  expect(listed.items.map((b: any) => b.id)).toEqual([id]);
});

test('only the school\'s admins and the district may broadcast or see broadcasts; others get 403 or 404', async () => {
  const created = await api(app, tokens.district, 'POST', '/broadcasts', body({ audience: { type: 'students', ids: [ids.mateo] }, sendAt: '2026-11-25T15:00:00Z' }));
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect((await api(app, tokens.teacher, 'POST', '/broadcasts', body())).status).toBe(403);
  expect((await api(app, tokens.teacher, 'POST', '/broadcasts/preview', body({ urgent: true }))).status).toBe(403);
  expect((await api(app, tokens.otherAdmin, 'POST', '/broadcasts', body())).status).toBe(404);
  expect((await api(app, tokens.otherAdmin, 'GET', `/broadcasts/${id}`)).status).toBe(404);
  expect((await api(app, tokens.otherAdmin, 'POST', `/broadcasts/${id}/cancel`)).status).toBe(404);
  expect((await api(app, tokens.otherAdmin, 'GET', `/broadcasts/${id}/report.csv`)).status).toBe(404);
  expect((await api(app, tokens.teacher, 'GET', `/broadcasts/${id}`)).status).toBe(403);
  expect((await api(app, tokens.teacher, 'GET', '/broadcasts')).body.items).toEqual([]);
  expect((await api(app, tokens.otherAdmin, 'GET', `/broadcasts?schoolId=${schoolId}`)).body.items).toEqual([]);
  expect((await api(app, tokens.admin, 'GET', '/broadcasts/abc')).status).toBe(404);
  expect((await api(app, tokens.admin, 'GET', '/broadcasts/99999999')).status).toBe(404);
  const anon = await fetch(`${app.url}/api/v1/broadcasts`);
  expect(anon.status).toBe(401);
  const canceled = await api(app, tokens.admin, 'POST', `/broadcasts/${id}/cancel`);
  expect(canceled.status).toBe(200);
  expect(canceled.body.status).toBe('canceled');
});

test('an open console page of the school\'s admin hears of a broadcast\'s progress, without a reload', async () => {
  const c = new ConsoleClient(app.url);
  await c.signIn('office@bcast.test', PASSWORD);
  const controller = new AbortController();
  const res = await fetch(`${app.url}/console/events`, {
    headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), accept: 'text/event-stream', 'x-forwarded-proto': 'https' },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  await reader.read(); // the retry line: connected and subscribed
  const id = (await api(app, tokens.admin, 'POST', '/broadcasts', body({ audience: { type: 'students', ids: [ids.mateo] }, sendAt: '2026-11-26T15:00:00Z' }))).body.id;
  let seen = '';
  while (!seen.includes(`"broadcastId":${id}`)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  expect(seen).toContain('event: broadcast');
  controller.abort();
  await api(app, tokens.admin, 'POST', `/broadcasts/${id}/cancel`);
});

test('a request that is not right answers 400 naming each field, never 500', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [body({ texts: { es: ES } }), 'texts.en'],
    [body({ texts: { en: EN, klingon: 'x' } }), 'texts.klingon'],
    [body({ texts: { en: '' } }), 'texts.en'],
    [body({ audience: { type: 'city' } }), 'audience.type'],
    [body({ audience: { type: 'grades', grades: [] } }), 'audience.grades'],
    [body({ audience: { type: 'grades', grades: ['13'] } }), 'audience.grades.0'],
    [body({ audience: { type: 'students', ids: [] } }), 'audience.ids'],
    [body({ audience: 'school' }), 'audience'],
    [body({ localTime: '25:00' }), 'localTime'],
    [body({ localTime: '18:00', sendAt: '2026-11-25T15:00:00Z' }), 'localTime'],
    [body({ sendAt: 'tomorrow' }), 'sendAt'],
    [body({ sendAt: '2026-11-01T15:00:00Z' }), 'sendAt'],
    [body({ urgent: 'yes' }), 'urgent'],
    [body({ schoolId: 'one' }), 'schoolId'],
    [body({ colour: 'red' }), 'colour'],
  ];
  for (const [b, field] of cases) {
    const res = await api(app, tokens.admin, 'POST', '/broadcasts', b);
    expect({ field, status: res.status }).toEqual({ field, status: 400 });
    expect(Object.keys(res.body.error.fields)).toContain(field);
  }
  const notJson = await fetch(`${app.url}/api/v1/broadcasts`, { method: 'POST', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, body: '{"schoolId":' });
  expect(notJson.status).toBe(400);
});

const conference = { id: 'conference', slots: { date: '2026-11-20', time: '16:00', endTime: '19:00' } };
const EN_CONFERENCE = 'Juniper Elementary: Parent-teacher conferences are Friday, November 20, 4 PM to 7 PM.';
const ES_CONFERENCE = 'Juniper Elementary: El viernes 20 de noviembre, de las 4 p. m. a las 7 p. m., son las reuniones de padres y maestros.';

test('the school reminders are listed for a composer, titled in the language asked for when it has them', async () => {
  const en = await api(app, tokens.admin, 'GET', '/reminders');
  expect(en.status).toBe(200);
  expect(en.body.language).toBe('en');
  expect(en.body.items).toContainEqual({ id: 'conference', title: 'Parent-teacher conferences', slots: ['date', 'time', 'endTime'] });
  expect(en.body.items.map((r: any) => r.id)).toContain('closed_weather');
  const es = (await api(app, tokens.admin, 'GET', '/reminders?language=es')).body;
  expect(es.language).toBe('es');
  expect(es.items.find((r: any) => r.id === 'conference')).toEqual({ id: 'conference', title: 'Reuniones de padres y maestros', slots: ['date', 'time', 'endTime'] });
  expect((await api(app, tokens.admin, 'GET', '/reminders?language=fr')).body.language).toBe('en');
  const bad = await api(app, tokens.admin, 'GET', '/reminders?language=klingon');
  expect(bad.status).toBe(400);
  expect(Object.keys(bad.body.error.fields)).toEqual(['language']);
});

test('a preview of a reminder shows each language its text, and counts the families that get English', async () => {
  const res = await api(app, tokens.admin, 'POST', '/broadcasts/preview', body({ texts: undefined, reminder: conference }));
  expect(res.status).toBe(200);
  const byLang = Object.fromEntries(res.body.languages.map((l: any) => [l.language, l]));
  expect(byLang.es).toMatchObject({ recipients: 1, textLanguage: 'es', text: expect.stringContaining(ES_CONFERENCE) });
  // (How many English numbers it reaches depends on the weekly budget the broadcast above spent.)
  expect(byLang.en).toMatchObject({ textLanguage: 'en', text: expect.stringContaining(EN_CONFERENCE) });
  // French has no reminders: the Dubois family gets the English text, and the preview says so.
  expect(byLang.fr).toMatchObject({ recipients: 1, textLanguage: 'en', text: byLang.en.text });
  expect(res.body.fallbacks).toEqual([{ language: 'fr', families: 1, warning: expect.stringContaining('1 family reads French') }]);
});

test('a broadcast created from a reminder stores its texts for the audience\'s languages', async () => {
  const created = await api(app, tokens.admin, 'POST', '/broadcasts', body({ texts: undefined, reminder: conference, sendAt: '2026-11-27T15:00:00Z' }));
  expect(created.status).toBe(201);
  const texts = created.body.texts;
  // Every language the school's families read that has reminders; French families fall back to English.
  expect(Object.keys(texts).sort()).toEqual(['ar', 'en', 'es', 'pl', 'pt']);
  expect(texts.en).toContain(EN_CONFERENCE);
  expect(texts.es).toContain(ES_CONFERENCE);
  const id = created.body.id;
  expect((await api(app, tokens.admin, 'GET', `/broadcasts/${id}`)).body.texts).toEqual(texts);
  // A reminder for one student's family renders English and that family's Spanish only.
  const mateo = await api(app, tokens.admin, 'POST', '/broadcasts', body({ texts: undefined, reminder: conference, audience: { type: 'students', ids: [ids.mateo] }, sendAt: '2026-11-27T15:00:00Z' }));
  expect(Object.keys(mateo.body.texts).sort()).toEqual(['en', 'es']);
  for (const b of [id, mateo.body.id]) expect((await api(app, tokens.admin, 'POST', `/broadcasts/${b}/cancel`)).status).toBe(200);
});

test('a reminder that is not right answers 400 naming the field', async () => {
  const r = (reminder: unknown, over: Record<string, unknown> = {}) => body({ texts: undefined, reminder, ...over });
  const cases: [Record<string, unknown>, string][] = [
    [r({ id: 'bake_sale', slots: {} }), 'reminder.id'],
    [r({ slots: {} }), 'reminder.id'],
    [r({ id: 'conference', slots: { date: '2026-11-20', time: '16:00' } }), 'reminder.slots.endTime'],
    [r({ id: 'conference', slots: { date: 'Friday', time: '16:00', endTime: '19:00' } }), 'reminder.slots.date'],
    [r({ id: 'conference', slots: { date: '2026-11-20', time: '16:00', endTime: '15:00' } }), 'reminder.slots.endTime'],
    [r({ id: 'conference', slots: { ...conference.slots, colour: 'red' } }), 'reminder.slots.colour'],
    [r({ id: 'report_cards', slots: { link: 'not a link' } }), 'reminder.slots.link'],
    [r('conference'), 'reminder'],
    [r(conference, { texts: { en: EN } }), 'reminder'],
    [body({ texts: undefined }), 'texts'],
  ];
  for (const [b, field] of cases) {
    for (const path of ['/broadcasts/preview', '/broadcasts']) {
      const res = await api(app, tokens.admin, 'POST', path, b);
      expect({ path, field, status: res.status }).toEqual({ path, field, status: 400 });
      expect(Object.keys(res.body.error.fields)).toContain(field);
    }
  }
});
