import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { ConsoleClient } from '../helpers/console';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';
import { eq } from 'drizzle-orm';
import { students } from '../../db/schema';

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
const ids = { classA: 0, classA2: 0, familyA: 0, familyA2: 0, familyB: 0, convA: 0, convB: 0, unmatchedA: 0, studentA: 0, schoolA: 0, importA: 0, broadcastA: 0 };
const ROSTER = 'student_id,student_first_name,student_last_name,grade,school,class,teacher_email,guardian_id,guardian_first_name,guardian_last_name,guardian_phone\nacc-1,Ivy,Lane,3,School A,Grade 3 Reading,teacher-a@access.test,acc-g1,Ian,Lane,+15555550521\n';

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
  ids.studentA = a.students[0].id;
  await db.update(students).set({ externalId: 'acc-progress-a' }).where(eq(students.id, ids.studentA));
  ids.schoolA = schoolA.id;
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
  // School A's broadcast, for tomorrow: the probes below look at it, pause and resume it; nobody is texted.
  const broadcast = await fetch(`${app.url}/api/v1/broadcasts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${district}`, 'content-type': 'application/json' },
    body: JSON.stringify({ schoolId: schoolA.id, audience: { type: 'school' }, texts: { en: 'School A: picture day is Friday.' }, sendAt: '2026-11-19T15:00:00Z' }),
  });
  expect(broadcast.status).toBe(201);
  ids.broadcastA = (await broadcast.json()).id;
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
  await clients.adminA.get('/console/imports');
  const imported = await clients.adminA.upload('/console/imports', { dryRun: 'true' }, { name: 'roster.csv', content: ROSTER });
  expect(imported.status).toBe(303);
  ids.importA = Number(/\/console\/imports\/(\d+)$/.exec(imported.location!)![1]);
});

afterAll(async () => {
  await app.stop();
});

/**
 * [what, method, path, who may, options]: `ok` is the allowed actors' status (default 200 for a
 * GET, 303 for a POST); `forbidden` actors get 403 (they see the thing but may not use it:
 * admin-only pages); everyone else gets 404, exactly as for a missing id.
 */
interface ProbeOptions {
  form?: () => Record<string, string>;
  upload?: boolean;
  ok?: number;
  forbidden?: Actor[];
  /** What everyone else gets, when it is not a 404 (a file whose every row is out of their reach: 400). */
  others?: number;
}
type Probe = [string, 'GET' | 'POST', () => string, Actor[], ProbeOptions?];
const TEACHERS: Actor[] = ['teacherA', 'teacherA2', 'teacherB'];
const probes: Probe[] = [
  ['class page', 'GET', () => `/console/classes/${ids.classA}`, ['district', 'adminA', 'teacherA']],
  ['family page', 'GET', () => `/console/families/${ids.familyA}`, ['district', 'adminA', 'teacherA']],
  ['conversation page', 'GET', () => `/console/conversations/${ids.convA}`, ['district', 'adminA', 'teacherA']],
  ['conversation thread', 'GET', () => `/console/conversations/${ids.convA}/thread`, ['district', 'adminA', 'teacherA']],
  ['quiet-hours check', 'GET', () => `/console/conversations/${ids.convA}/quiet-hours`, ['district', 'adminA', 'teacherA']],
  ['unknown number', 'GET', () => `/console/conversations/${ids.unmatchedA}`, ['district', 'adminA']],
  ["another class's family", 'GET', () => `/console/families/${ids.familyA2}`, ['district', 'adminA', 'teacherA2']],
  ['reply', 'POST', () => `/console/conversations/${ids.convA}/reply`, ['district', 'adminA', 'teacherA']],
  // No suggestion stands for this family: the allowed are sent back to its page (303) with "this suggestion has changed", and nothing changes.
  ['take a language suggestion', 'POST', () => `/console/families/${ids.familyA}/language`, ['district', 'adminA', 'teacherA'], { form: () => ({ language: 'es' }) }],
  ['write to a family', 'POST', () => `/console/families/${ids.familyA2}/messages`, ['district', 'adminA', 'teacherA2']],
  ['update composer', 'GET', () => `/console/classes/${ids.classA}/updates`, ['district', 'adminA', 'teacherA']],
  ['preview updates', 'POST', () => `/console/classes/${ids.classA}/updates`, ['district', 'adminA', 'teacherA'], { ok: 200, form: () => ({ action: 'preview', language: 'en', [`s${ids.studentA}_template`]: 'praise.kindness' }) }],
  ['same for everyone', 'POST', () => `/console/classes/${ids.classA}/updates`, ['district', 'adminA', 'teacherA'], { ok: 200, form: () => ({ action: 'fill', all_template: 'praise.kindness' }) }],
  // A stale digest: the allowed see the preview again (409) and nothing is sent to anyone.
  ['send updates', 'POST', () => `/console/classes/${ids.classA}/updates/send`, ['district', 'adminA', 'teacherA'], {
    ok: 409,
    form: () => ({ items: JSON.stringify([{ studentId: ids.studentA, template: 'praise.kindness', slots: {} }]), language: 'en', requestId: `probe-${Math.random().toString(36).slice(2)}xxxxxxxx`, digest: 'stale-digest-stale-digest-stale' }),
  }],
  ['updates CSV', 'POST', () => `/console/classes/${ids.classA}/updates/csv`, ['district', 'adminA', 'teacherA'], { ok: 200, upload: true }],
  ['roster imports', 'GET', () => '/console/imports', ['district', 'adminA', 'adminB'], { forbidden: TEACHERS }],
  ['roster import upload', 'POST', () => '/console/imports', ['district', 'adminA', 'adminB'], { upload: true, forbidden: TEACHERS }],
  ['roster import page', 'GET', () => `/console/imports/${ids.importA}`, ['district', 'adminA'], { forbidden: TEACHERS }],
  ['roster import report', 'GET', () => `/console/imports/${ids.importA}/report`, ['district', 'adminA'], { forbidden: TEACHERS }],
  ['school settings list', 'GET', () => '/console/settings', ['district', 'adminA', 'adminB'], { ok: -303, forbidden: TEACHERS }],
  ['school settings', 'GET', () => `/console/schools/${ids.schoolA}/settings`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'] }],
  ['weekend nudges list', 'GET', () => '/console/nudges', ['district', 'adminA', 'adminB'], { ok: -303, forbidden: TEACHERS }],
  ['weekend nudges report', 'GET', () => `/console/schools/${ids.schoolA}/nudges`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'] }],
  ['save school settings', 'POST', () => `/console/schools/${ids.schoolA}/settings`, ['district', 'adminA'], {
    forbidden: ['teacherA', 'teacherA2'],
    form: () => ({ timezone: 'America/New_York', from: FROM_A, mps: '1', phoneRegion: 'US' }),
  }],
  ['save the nudge time', 'POST', () => `/console/schools/${ids.schoolA}/settings`, ['district', 'adminA'], {
    forbidden: ['teacherA', 'teacherA2'],
    form: () => ({ timezone: 'America/New_York', from: FROM_A, mps: '1', phoneRegion: 'US', nudgeSlot: 'sat-09:30' }),
  }],
  ['broadcasts', 'GET', () => '/console/broadcasts', ['district', 'adminA', 'adminB'], { forbidden: TEACHERS }],
  ['new broadcast', 'GET', () => '/console/broadcasts/new', ['district', 'adminA', 'adminB'], { forbidden: TEACHERS }],
  ["new broadcast for a school", 'GET', () => `/console/broadcasts/new?schoolId=${ids.schoolA}`, ['district', 'adminA'], { forbidden: TEACHERS }],
  ['preview a broadcast', 'POST', () => '/console/broadcasts/new', ['district', 'adminA'], { ok: 200, forbidden: ['teacherA', 'teacherA2'], form: () => broadcastForm() }],
  // For Friday: created (303 to its page), nobody texted during this test.
  ['send a broadcast', 'POST', () => '/console/broadcasts', ['district', 'adminA'], {
    forbidden: ['teacherA', 'teacherA2'],
    form: () => ({ ...broadcastForm(), when: 'at', sendAt: '2026-11-20T10:00', requestId: `probe-${Math.random().toString(36).slice(2)}xxxxxxxx` }),
  }],
  ['broadcast page', 'GET', () => `/console/broadcasts/${ids.broadcastA}`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'] }],
  ['broadcast progress', 'GET', () => `/console/broadcasts/${ids.broadcastA}/progress`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'] }],
  ['broadcast controls', 'GET', () => `/console/broadcasts/${ids.broadcastA}/controls`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'] }],
  ['pause a broadcast', 'POST', () => `/console/broadcasts/${ids.broadcastA}/pause`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'], form: () => ({}) }],
  ['resume a broadcast', 'POST', () => `/console/broadcasts/${ids.broadcastA}/resume`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'], form: () => ({}) }],
  // Without its confirmation box: the allowed see the page again (400) and it is not canceled.
  ['cancel a broadcast', 'POST', () => `/console/broadcasts/${ids.broadcastA}/cancel`, ['district', 'adminA'], { ok: 400, forbidden: ['teacherA', 'teacherA2'], form: () => ({}) }],
  ['broadcast report', 'GET', () => `/console/broadcasts/${ids.broadcastA}/report`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'] }],
  ['broadcast report CSV', 'GET', () => `/console/broadcasts/${ids.broadcastA}/report.csv`, ['district', 'adminA'], { forbidden: ['teacherA', 'teacherA2'] }],
  ['progress page', 'GET', () => '/console/progress', ACTORS],
  // Everyone may upload; a row for a student out of the uploader's reach is not stored (400: nothing was).
  ['progress upload', 'POST', () => '/console/progress', ['district', 'adminA', 'teacherA'], { upload: true, others: 400 }],
  ['class current unit', 'POST', () => `/console/classes/${ids.classA}/unit`, ['district', 'adminA', 'teacherA'], { form: () => ({ currentUnit: 'Place value' }) }],
];

const broadcastForm = () => ({ schoolId: String(ids.schoolA), audience: 'school', source: 'written', text_en: 'School A: checking the broadcast preview.', when: 'now' });

const uploadFor = (p: string) =>
  p.includes('/updates/') ? `student_id,template\n${ids.studentA},praise.kindness\n` : p.includes('/progress') ? 'student_id,week,kind,value\nacc-progress-a,2026-W47,absences,0\n' : ROSTER;

describe.each(ACTORS)('%s', (actor) => {
  test.each(probes)('%s', async (_what, method, path, allowed, opts = {}) => {
    const c = clients[actor];
    await c.get('/console/inbox'); // a fresh CSRF token for the form
    const send = (p: string) =>
      method === 'GET'
        ? c.get(p)
        : opts.upload
          ? c.upload(p, { dryRun: 'true' }, { name: 'roster.csv', content: uploadFor(p) })
          : c.post(p, opts.form ? opts.form() : { body: `Checking in (${actor})` });
    const res = await send(path());
    await c.get('/console/inbox');
    const missing = await send(path().replace(/\/\d+/, '/999999'));
    if (allowed.includes(actor)) {
      // ok -303: a GET that redirects (a school admin's one school) or shows a list (the district).
      if (opts.ok === -303) expect([200, 303]).toContain(res.status);
      else expect(res.status).toBe(opts.ok ?? (method === 'GET' ? 200 : 303));
    } else if (opts.forbidden?.includes(actor)) {
      expect(res.status).toBe(403);
      expect([403, 404]).toContain(missing.status);
      expect(res.html).not.toMatch(/Adams|Abbott|Ari|Ada|Ivy/);
    } else {
      expect(res.status).toBe(opts.others ?? 404);
      expect(missing.status).toBe(opts.others ?? 404);
      expect(res.html).not.toMatch(/Adams|Abbott|Ari|Ada|Ivy/);
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
