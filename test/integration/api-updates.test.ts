import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { families, phones, studentGuardians } from '../../db/schema';
import { progressOfWeek } from '../../db/repositories/progress';
import { segmentInfo } from '../../src/i18n/segments';
import { addStaffWithToken } from '../../src/staff/accounts';
import { renderUpdate, updateTemplates, type UpdateSlot } from '../../src/updates/sentence-bank';

/**
 * A teacher's updates for a class through the API: one text per family in its language, who
 * does not get it and why, the send through the simulator to "delivered", progress records,
 * scope, quiet hours, translation (none, working, failing, slow) and CSV.
 */

const SCHOOL_FROM = '+15555550100'; // the simulator's default sender: the school has no number of its own
const START = '2026-11-18T15:00:00Z'; // 10:00 in New York, a Wednesday; its ISO week starts Monday 2026-11-16
const WEEK = '2026-11-16';
const PHONES = {
  garcia: '+15555550601',
  smith: '+15555550602',
  jones: '+15555550603',
  brownMom: '+15555550604',
  brownDad: '+15555550605',
  lee: '+15555550606',
  kimA: '+15555550607',
  kimB: '+15555550608',
  zane: '+15555550609',
  fr: '+15555550610',
};

/** A value for every slot, so any template can be filled. */
const SAMPLE: Record<UpdateSlot, string | number> = { subject: 'math', skill: 'fractions', count: 2, date: '2026-11-20', teacher: 'Ms. Rivera' };
const slotsFor = (key: string) => Object.fromEntries(updateTemplates().find((t) => t.key === key)!.slots.map((s) => [s, SAMPLE[s]]));
const sentence = (language: string, template: string, child: string) => renderUpdate({ language, template, child, slots: slotsFor(template) }).text;

interface World {
  app: TestApp;
  clock: TestClock;
  tokens: { teacherA: string; teacherB: string; admin: string };
  teacherAId: number;
  classA: number;
  classB: number;
  s: Record<'lucia' | 'mateo' | 'sam' | 'jo' | 'ava' | 'max' | 'noah' | 'ivy' | 'zed' | 'remy', number>;
  f: Record<'garcia' | 'smith' | 'jones' | 'brown' | 'lee' | 'kimA' | 'kimB' | 'fr', number>;
  g: Record<'smithNoPhone' | 'jones' | 'brownDad', number>;
}

/** Class A (Ms. Rivera) with every kind of family; class B (another teacher) with one. */
async function seedWorld(name: string, env: Record<string, string> = {}): Promise<World> {
  const clock = new TestClock(START);
  const app = await startTestApp(name, { clock, env });
  const db = app.deps.db;
  const school = await seedSchool(db, { name: 'Maple Street School' });
  const at = new Date(clock.now()).toISOString();
  const teacherA = await addStaffWithToken(db, { email: 'rivera@updates.test', role: 'teacher', schoolId: school.id, name: 'Ms. Rivera' }, at);
  const teacherB = await addStaffWithToken(db, { email: 'okafor@updates.test', role: 'teacher', schoolId: school.id, name: 'Mr. Okafor' }, at);
  const admin = await addStaffWithToken(db, { email: 'office@updates.test', role: 'school_admin', schoolId: school.id }, at);
  const classA = await seedClass(db, school.id, { title: 'Grade 3 — Rivera', teacherIds: [teacherA.staff.id] });
  const classB = await seedClass(db, school.id, { title: 'Grade 4 — Okafor', teacherIds: [teacherB.staff.id] });

  const garcia = await seedFamily(db, school.id, { name: 'Garcia', language: 'es', guardians: [{ first: 'Rosa', phone: PHONES.garcia }], students: [{ first: 'Lucia', grade: '3' }, { first: 'Mateo', grade: '3' }] });
  const smith = await seedFamily(db, school.id, { name: 'Smith', guardians: [{ first: 'Pat', phone: PHONES.smith }, { first: 'Lee', phone: '+15555550699' }], students: [{ first: 'Sam', grade: '3' }] });
  // A guardian whose only number cannot take texts (a landline) has no number to text.
  await db.update(phones).set({ canReceive: false }).where(eq(phones.guardianId, smith.guardians[1].id));
  const jones = await seedFamily(db, school.id, { name: 'Jones', guardians: [{ first: 'Kim', phone: PHONES.jones }], students: [{ first: 'Jo', grade: '3' }] });
  const brown = await seedFamily(db, school.id, { name: 'Brown', guardians: [{ first: 'Mia', phone: PHONES.brownMom }, { first: 'Tom', phone: PHONES.brownDad, noContact: ['Ava'] }], students: [{ first: 'Ava', grade: '3' }] });
  const lee = await seedFamily(db, school.id, { name: 'Lee', guardians: [{ first: 'Jun', phone: PHONES.lee }], students: [{ first: 'Max', grade: '3' }] });
  await db.update(families).set({ pausedUntil: '2026-12-10T15:00:00.000Z' }).where(eq(families.id, lee.family.id));
  // Noah lives in two households: each gets the update.
  const kimA = await seedFamily(db, school.id, { name: 'Kim', guardians: [{ first: 'Ha', phone: PHONES.kimA }], students: [{ first: 'Noah', grade: '3' }] });
  const kimB = await seedFamily(db, school.id, { name: 'Kim-Park', guardians: [{ first: 'Min', phone: PHONES.kimB }] });
  await db.insert(studentGuardians).values({ studentId: kimA.students[0].id, guardianId: kimB.guardians[0].id, mayContact: true });
  // Ivy's only household is under a no-contact order: nobody may be texted about her.
  const ivy = await seedFamily(db, school.id, { name: 'Orr', guardians: [{ first: 'Al', phone: '+15555550698', noContact: ['Ivy'] }], students: [{ first: 'Ivy', grade: '3' }] });
  // French has no sentence bank: the template arrives in English, or translated when a service is set.
  const fr = await seedFamily(db, school.id, { name: 'Moreau', language: 'fr', guardians: [{ first: 'Luc', phone: PHONES.fr }], students: [{ first: 'Remy', grade: '3' }] });
  const zane = await seedFamily(db, school.id, { name: 'Zane', guardians: [{ first: 'Bo', phone: PHONES.zane }], students: [{ first: 'Zed', grade: '4' }] });

  const inA = [...garcia.students, ...smith.students, ...jones.students, ...brown.students, ...lee.students, ...kimA.students, ...ivy.students, ...fr.students];
  await enroll(db, classA.id, inA.map((s) => s.id));
  await enroll(db, classB.id, [zane.students[0].id]);

  // Kim Jones texts STOP: an opt-out from this school's sender.
  await fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: PHONES.jones, to: SCHOOL_FROM, body: 'STOP' }) });
  const world: World = {
    app,
    clock,
    tokens: { teacherA: teacherA.token, teacherB: teacherB.token, admin: admin.token },
    teacherAId: teacherA.staff.id,
    classA: classA.id,
    classB: classB.id,
    s: {
      lucia: garcia.students[0].id, mateo: garcia.students[1].id, sam: smith.students[0].id, jo: jones.students[0].id, ava: brown.students[0].id,
      max: lee.students[0].id, noah: kimA.students[0].id, ivy: ivy.students[0].id, zed: zane.students[0].id, remy: fr.students[0].id,
    },
    f: { garcia: garcia.family.id, smith: smith.family.id, jones: jones.family.id, brown: brown.family.id, lee: lee.family.id, kimA: kimA.family.id, kimB: kimB.family.id, fr: fr.family.id },
    g: { smithNoPhone: smith.guardians[1].id, jones: jones.guardians[0].id, brownDad: brown.guardians[1].id },
  };
  // The opt-out is stored by the webhook before it answers; wait for the preview to see it.
  await waitFor(async () => {
    const r = await call(world, world.tokens.teacherA, 'POST', '/updates/preview', { classId: world.classA, items: [{ studentId: world.s.jo, text: 'Hi' }] });
    return r.json.items?.[0]?.skipped?.some((x: { reason: string }) => x.reason === 'opted_out');
  });
  return world;
}

async function call(w: World, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${w.app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const simInbox = async (w: World, to: string): Promise<{ body: string; status: string }[]> =>
  (await (await fetch(`${w.app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items;

const itemFor = (json: any, familyId: number) => json.items.find((i: any) => i.familyId === familyId);

describe('updates without a translation service', () => {
  let w: World;
  beforeAll(async () => {
    w = await seedWorld('api-updates');
  });
  afterAll(async () => {
    await w.app.stop();
  });
  const preview = (body: unknown, token = w.tokens.teacherA) => call(w, token, 'POST', '/updates/preview', body);

  test('a Spanish family gets Spanish; two siblings get one text naming both', async () => {
    const res = await preview({
      classId: w.classA,
      items: [
        { studentId: w.s.lucia, template: 'praise.reading', slots: {} },
        { studentId: w.s.sam, template: 'practice.skill', slots: { subject: 'math', skill: 'fractions' } },
        { studentId: w.s.mateo, template: 'missing.assignments', slots: { count: 2, subject: 'math' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.week).toBe(WEEK);
    const garcia = res.json.items.filter((i: any) => i.familyId === w.f.garcia);
    expect(garcia).toHaveLength(1);
    const text = `${sentence('es', 'praise.reading', 'Lucia')} ${sentence('es', 'missing.assignments', 'Mateo')}`;
    expect(garcia[0]).toMatchObject({
      familyName: 'Garcia',
      language: 'es',
      familyLanguage: 'es',
      text,
      students: [{ id: w.s.lucia, firstName: 'Lucia' }, { id: w.s.mateo, firstName: 'Mateo' }],
      recipients: [{ guardianId: expect.any(Number), phone: PHONES.garcia }],
      skipped: [],
      translation: null,
      original: null,
    });
    expect(text).not.toBe(`${sentence('en', 'praise.reading', 'Lucia')} ${sentence('en', 'missing.assignments', 'Mateo')}`);
    const seg = segmentInfo(text);
    expect(garcia[0]).toMatchObject({ encoding: seg.encoding, segments: seg.segments, characters: seg.characters });
    expect(garcia[0]).not.toHaveProperty('messageId');
    expect(itemFor(res.json, w.f.smith).text).toBe(sentence('en', 'practice.skill', 'Sam'));
  });

  test('who does not get it, and why; a paused family still gets a teacher’s update', async () => {
    const res = await preview({
      classId: w.classA,
      items: [w.s.sam, w.s.jo, w.s.ava, w.s.max, w.s.ivy].map((studentId) => ({ studentId, template: 'praise.kindness', slots: {} })),
    });
    expect(res.status).toBe(200);
    expect(itemFor(res.json, w.f.smith)).toMatchObject({ recipients: [{ phone: PHONES.smith }], skipped: [{ guardianId: w.g.smithNoPhone, reason: 'no_number' }] });
    expect(itemFor(res.json, w.f.jones)).toMatchObject({ recipients: [], skipped: [{ guardianId: w.g.jones, reason: 'opted_out', phone: PHONES.jones }] });
    expect(itemFor(res.json, w.f.brown)).toMatchObject({ recipients: [{ phone: PHONES.brownMom }], skipped: [{ guardianId: w.g.brownDad, reason: 'may_contact_false' }] });
    // PAUSE stops reminders and tips; its confirmation promises teachers can still text.
    expect(itemFor(res.json, w.f.lee)).toMatchObject({ recipients: [{ phone: PHONES.lee }], skipped: [], pausedUntil: '2026-12-10T15:00:00.000Z' });
    expect(res.json.unreached).toEqual([{ studentId: w.s.ivy, firstName: 'Ivy', reason: 'may_contact_false' }]);
  });

  test('the {teacher} slot is the signed-in teacher’s name unless given', async () => {
    const res = await preview({ classId: w.classA, items: [{ studentId: w.s.sam, template: 'talk.invite', slots: {} }] });
    expect(itemFor(res.json, w.f.smith).text).toBe(renderUpdate({ language: 'en', template: 'talk.invite', child: 'Sam', slots: { teacher: 'Ms. Rivera' } }).text);
    expect(itemFor(res.json, w.f.smith).text).toContain('Ms. Rivera');
  });

  test('a child of two households: each gets the text', async () => {
    const res = await preview({ classId: w.classA, items: [{ studentId: w.s.noah, template: 'attendance.perfect', slots: {} }] });
    expect(res.json.items.map((i: any) => [i.familyId, i.recipients.map((r: any) => r.phone)])).toEqual([
      [w.f.kimA, [PHONES.kimA]],
      [w.f.kimB, [PHONES.kimB]],
    ]);
  });

  test('a free text to a family of another language says it will arrive in English', async () => {
    const res = await preview({ classId: w.classA, items: [{ studentId: w.s.lucia, text: 'Lucia read every night this week. Ask her about the ending!' }] });
    expect(itemFor(res.json, w.f.garcia)).toMatchObject({
      text: 'Lucia read every night this week. Ask her about the ending!',
      language: 'en',
      familyLanguage: 'es',
      encoding: 'GSM-7',
      segments: 1,
      translation: { status: 'not_configured', from: 'en', to: 'es', note: 'will arrive in English' },
      original: null,
    });
    const french = await preview({ classId: w.classA, items: [{ studentId: w.s.remy, template: 'praise.reading', slots: {} }] });
    expect(itemFor(french.json, w.f.fr)).toMatchObject({ text: sentence('en', 'praise.reading', 'Remy'), translation: { status: 'not_configured', note: 'will arrive in English' } });
  });

  test('send: one message of kind update per family, on the phones, delivered; progress records; a repeated requestId texts nobody', async () => {
    const body = {
      classId: w.classA,
      requestId: 'send-1-6f0c2a9e',
      items: [
        { studentId: w.s.lucia, template: 'praise.reading', slots: {} },
        { studentId: w.s.mateo, template: 'practice.reading', slots: {} },
        { studentId: w.s.sam, text: 'Sam helped set up the science fair today.' },
        { studentId: w.s.jo, template: 'praise.kindness', slots: {} },
      ],
    };
    const res = await call(w, w.tokens.teacherA, 'POST', '/updates', body);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ requestId: 'send-1-6f0c2a9e', replayed: false, progressRecords: 4, week: WEEK });
    const garcia = itemFor(res.json, w.f.garcia);
    expect(garcia.messageId).toEqual(expect.any(Number));
    expect(garcia.messages).toEqual([{ id: garcia.messageId, to: PHONES.garcia, status: 'queued', scheduledFor: null }]);
    expect(itemFor(res.json, w.f.jones)).not.toHaveProperty('messageId'); // opted out: nothing to send

    const onPhone = await waitFor(async () => (await simInbox(w, PHONES.garcia)).find((m) => m.body === garcia.text));
    expect(onPhone.body).toBe(`${sentence('es', 'praise.reading', 'Lucia')} ${sentence('es', 'practice.reading', 'Mateo')}`);
    const delivered = await waitFor(async () => {
      const m = await call(w, w.tokens.teacherA, 'GET', `/messages/${garcia.messageId}`);
      return m.json.status === 'delivered' ? m.json : null;
    });
    expect(delivered).toMatchObject({ kind: 'update', direction: 'outbound', language: 'es', staffId: w.teacherAId, original: null });
    const conv = await call(w, w.tokens.teacherA, 'GET', `/conversations/${delivered.conversationId}`);
    expect(conv.json.familyId).toBe(w.f.garcia);
    await waitFor(async () => (await simInbox(w, PHONES.smith)).some((m) => m.body === 'Sam helped set up the science fair today.'));

    const lucia = await progressOfWeek(w.app.deps.db, w.s.lucia, WEEK);
    expect(lucia).toHaveLength(1);
    expect(lucia[0]).toMatchObject({ kind: 'update', source: 'update', staffId: w.teacherAId, messageId: garcia.messageId, value: sentence('en', 'praise.reading', 'Lucia') });
    expect(JSON.parse(lucia[0].details!)).toEqual({ template: 'praise.reading', slots: {} });
    const sam = await progressOfWeek(w.app.deps.db, w.s.sam, WEEK);
    expect(JSON.parse(sam[0].details!)).toEqual({ text: 'Sam helped set up the science fair today.', language: 'en' });
    // Opted out: nobody got it, but the teacher's note about Jo is kept.
    expect(await progressOfWeek(w.app.deps.db, w.s.jo, WEEK)).toEqual([expect.objectContaining({ messageId: null })]);

    const again = await call(w, w.tokens.teacherA, 'POST', '/updates', body);
    expect(again.status).toBe(202);
    expect(again.json.replayed).toBe(true);
    expect(itemFor(again.json, w.f.garcia).messageId).toBe(garcia.messageId);
    expect((await simInbox(w, PHONES.garcia)).filter((m) => m.body === garcia.text)).toHaveLength(1);
    expect(await progressOfWeek(w.app.deps.db, w.s.lucia, WEEK)).toHaveLength(1);
  });

  test('a teacher cannot preview or send for another class; a student not in the class is a 400', async () => {
    const other = { classId: w.classB, items: [{ studentId: w.s.zed, template: 'praise.kindness', slots: {} }] };
    for (const path of ['/updates/preview', '/updates']) {
      const res = await call(w, w.tokens.teacherA, 'POST', path, other);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
      const missing = await call(w, w.tokens.teacherA, 'POST', path, { ...other, classId: 999999 });
      expect(missing.json).toEqual({ error: { ...res.json.error, message: 'Class 999999 not found' } });
    }
    const outside = await preview({ classId: w.classA, items: [{ studentId: w.s.lucia, template: 'praise.kindness', slots: {} }, { studentId: w.s.zed, template: 'praise.kindness', slots: {} }] });
    expect(outside.status).toBe(400);
    expect(outside.json.error.fields).toEqual({ 'items.1.studentId': `student ${w.s.zed} is not in this class` });
    expect((await simInbox(w, PHONES.zane)).length).toBe(0);
    // The school's admin may write to either class.
    expect((await call(w, w.tokens.admin, 'POST', '/updates/preview', other)).status).toBe(200);
  });

  test('bad input is a 400 naming the field, never a 500', async () => {
    const cases: [unknown, string][] = [
      [{ classId: w.classA }, 'items'],
      [{ classId: w.classA, items: [] }, 'items'],
      [{ classId: 'x', items: [{ studentId: w.s.sam, text: 'hi' }] }, 'classId'],
      [{ classId: w.classA, items: [{ studentId: w.s.sam, template: 'praise.kindness', text: 'hi' }] }, 'items.0.template'],
      [{ classId: w.classA, items: [{ studentId: w.s.sam, template: 'no.such' , slots: {} }] }, 'items.0.template'],
      [{ classId: w.classA, items: [{ studentId: w.s.sam, template: 'missing.assignments', slots: { subject: 'math' } }] }, 'items.0.slots.count'],
      [{ classId: w.classA, items: [{ studentId: w.s.sam, template: 'missing.form', slots: { date: 'Friday' } }] }, 'items.0.slots.date'],
      [{ classId: w.classA, items: [{ studentId: w.s.sam, template: 'praise.kindness', slots: { colour: 'red' } }] }, 'items.0.slots'],
      [{ classId: w.classA, items: [{ studentId: w.s.sam, text: '   ' }] }, 'items.0.text'],
      [{ classId: w.classA, items: [{ studentId: w.s.sam, text: 'hi', language: 'klingon' }] }, 'items.0.language'],
      [{ classId: w.classA, items: [{ studentId: w.s.sam, text: 'hi' }], csv: 'student_id,free_text\n1,hi' }, 'items'],
    ];
    for (const [body, field] of cases) {
      const res = await preview(body);
      expect([res.status, Object.keys(res.json.error.fields ?? {})]).toEqual([400, expect.arrayContaining([field])]);
    }
    const send = await call(w, w.tokens.teacherA, 'POST', '/updates', { classId: w.classA, items: [{ studentId: w.s.sam, text: 'hi' }], requestId: 'x', untranslated: 'maybe' });
    expect(Object.keys(send.json.error.fields).sort()).toEqual(['requestId', 'untranslated']);
  });

  test('a CSV: good rows previewed, bad rows listed by line; a send refuses a CSV with bad rows', async () => {
    const csv = [
      'student_id,template,subject,skill,count,date',
      `${w.s.lucia},missing.assignments,math,,2,`,
      `${w.s.sam},practice.skill,math,fractions,,`,
      `oops,praise.reading,,,,`,
      `${w.s.zed},praise.reading,,,,`,
    ].join('\n');
    const withStranger = await preview({ classId: w.classA, csv });
    expect(withStranger.status).toBe(400);
    expect(withStranger.json.error.fields).toEqual({ 'csv.line 5.studentId': `student ${w.s.zed} is not in this class` });

    const res = await preview({ classId: w.classA, csv: csv.split('\n').slice(0, 4).join('\n') });
    expect(res.status).toBe(200);
    expect(res.json.csvErrors).toEqual([{ line: 4, reason: expect.stringContaining('not a student id') }]);
    expect(itemFor(res.json, w.f.garcia).text).toBe(sentence('es', 'missing.assignments', 'Lucia'));
    expect(itemFor(res.json, w.f.smith).text).toBe(sentence('en', 'practice.skill', 'Sam'));

    const send = await call(w, w.tokens.teacherA, 'POST', '/updates', { classId: w.classA, csv: csv.split('\n').slice(0, 4).join('\n') });
    expect(send.status).toBe(400);
    expect(send.json.error.fields).toEqual({ 'csv.line 4': expect.stringContaining('not a student id') });
  });

  test('quiet hours: an update sent at night is held until 08:00 and not on the phone', async () => {
    w.clock.set('2026-11-19T03:30:00Z'); // 22:30 in New York
    try {
      const res = await call(w, w.tokens.teacherA, 'POST', '/updates', { classId: w.classA, items: [{ studentId: w.s.max, text: 'Max finished his book report early.' }] });
      expect(res.status).toBe(202);
      expect(itemFor(res.json, w.f.lee).messages).toEqual([
        { id: expect.any(Number), to: PHONES.lee, status: 'held', scheduledFor: '2026-11-19T13:00:00.000Z' },
      ]);
      const stored = await call(w, w.tokens.teacherA, 'GET', `/messages/${itemFor(res.json, w.f.lee).messageId}`);
      expect(stored.json).toMatchObject({ status: 'held', kind: 'update' });
      expect((await simInbox(w, PHONES.lee)).some((m) => m.body === 'Max finished his book report early.')).toBe(false);
    } finally {
      w.clock.set(START);
    }
  });
});

/** A LibreTranslate-compatible service on port 0: translates "into" the target by tagging the text, or fails, or never answers. */
function fakeLibreTranslate() {
  const state = { mode: 'ok' as 'ok' | 'fail' | 'slow', requests: [] as any[] };
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      state.requests.push({ path: req.url, ...body });
      if (state.mode === 'slow') return void hanging.push(res);
      res.setHeader('content-type', 'application/json');
      if (state.mode === 'fail' || body.api_key !== 'test-key') {
        res.statusCode = state.mode === 'fail' ? 500 : 403;
        return void res.end(JSON.stringify({ error: state.mode === 'fail' ? 'model not loaded' : 'Invalid API key' }));
      }
      res.end(JSON.stringify({ translatedText: `[${body.source}→${body.target}] ${body.q}` }));
    });
  });
  return {
    state,
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    stop: () => new Promise<void>((resolve) => {
      hanging.forEach((r) => r.destroy());
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('updates with a translation service', () => {
  let w: World;
  const service = fakeLibreTranslate();
  const TEXT = 'Lucia read every night this week. Ask her about the ending!';
  beforeAll(async () => {
    const url = await service.start();
    w = await seedWorld('api-updates-translate', { TRANSLATE_URL: url, TRANSLATE_API_KEY: 'test-key', TRANSLATE_TIMEOUT_MS: '400' });
  });
  afterAll(async () => {
    await w.app.stop();
    await service.stop();
  });
  beforeEach(() => {
    service.state.mode = 'ok';
    service.state.requests = [];
  });
  const body = (samText = 'Sam was a great help.') => ({ classId: w.classA, items: [{ studentId: w.s.lucia, text: TEXT }, { studentId: w.s.sam, text: samText }] });

  test('free text is translated into the family’s language; both are kept and the family gets the translation', async () => {
    const res = await call(w, w.tokens.teacherA, 'POST', '/updates/preview', body());
    expect(itemFor(res.json, w.f.garcia)).toMatchObject({
      text: `[en→es] ${TEXT}`,
      language: 'es',
      translation: { status: 'translated', from: 'en', to: 'es' },
      original: { text: TEXT, language: 'en' },
    });
    expect(itemFor(res.json, w.f.smith)).toMatchObject({ text: 'Sam was a great help.', translation: null }); // English family: nothing to translate
    expect(service.state.requests).toEqual([{ path: '/translate', q: TEXT, source: 'en', target: 'es', format: 'text', api_key: 'test-key' }]);

    const sent = await call(w, w.tokens.teacherA, 'POST', '/updates', body());
    expect(sent.status).toBe(202);
    const id = itemFor(sent.json, w.f.garcia).messageId;
    await waitFor(async () => (await simInbox(w, PHONES.garcia)).some((m) => m.body === `[en→es] ${TEXT}`));
    const stored = await call(w, w.tokens.teacherA, 'GET', `/messages/${id}`);
    expect(stored.json).toMatchObject({ body: `[en→es] ${TEXT}`, language: 'es', original: { body: TEXT, language: 'en' } });
    // A template with no wording in French is translated from English too.
    const fr = await call(w, w.tokens.teacherA, 'POST', '/updates/preview', { classId: w.classA, items: [{ studentId: w.s.remy, template: 'praise.reading', slots: {} }] });
    expect(itemFor(fr.json, w.f.fr)).toMatchObject({ text: `[en→fr] ${sentence('en', 'praise.reading', 'Remy')}`, language: 'fr', translation: { status: 'translated' } });
  });

  test('a failing service: the preview says so, the send refuses with the families named, unless sent as written', async () => {
    service.state.mode = 'fail';
    const res = await call(w, w.tokens.teacherA, 'POST', '/updates/preview', body());
    expect(res.status).toBe(200);
    expect(itemFor(res.json, w.f.garcia)).toMatchObject({
      text: TEXT,
      language: 'en',
      translation: { status: 'failed', from: 'en', to: 'es', error: expect.stringContaining('500') },
      original: null,
    });
    expect(itemFor(res.json, w.f.garcia).translation.note).toMatch(/send it as written .* or wait and try again/);

    const refused = await call(w, w.tokens.teacherA, 'POST', '/updates', { ...body('Sam tidied the library.'), requestId: 'failing-translation-1' });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'translation_failed', fields: { [`families.${w.f.garcia}`]: expect.stringContaining('Garcia') } });
    const smithNow = await call(w, w.tokens.teacherA, 'GET', `/conversations?familyId=${w.f.smith}`);
    const smithTexts = smithNow.json.items.length ? (await call(w, w.tokens.teacherA, 'GET', `/conversations/${smithNow.json.items[0].id}/messages`)).json.items : [];
    expect(smithTexts.some((m: any) => m.body === 'Sam tidied the library.')).toBe(false); // nothing was sent, to anyone

    const asWritten = await call(w, w.tokens.teacherA, 'POST', '/updates', { ...body('Sam tidied the library.'), requestId: 'failing-translation-1', untranslated: 'send_as_written' });
    expect(asWritten.status).toBe(202);
    expect(itemFor(asWritten.json, w.f.garcia)).toMatchObject({ text: TEXT, translation: { status: 'failed' } });
    await waitFor(async () => (await simInbox(w, PHONES.garcia)).some((m) => m.body === TEXT));
  });

  test('a service that does not answer in time counts as failed, once per request', async () => {
    service.state.mode = 'slow';
    const res = await call(w, w.tokens.teacherA, 'POST', '/updates/preview', {
      classId: w.classA,
      items: [{ studentId: w.s.lucia, text: TEXT }, { studentId: w.s.remy, text: 'Remy was a great help.' }],
    });
    expect(res.status).toBe(200);
    expect(itemFor(res.json, w.f.garcia).translation).toMatchObject({ status: 'failed', error: 'no answer within 400 ms' });
    expect(itemFor(res.json, w.f.fr).translation).toMatchObject({ status: 'failed', to: 'fr' });
    expect(service.state.requests).toHaveLength(1);
  });
});
