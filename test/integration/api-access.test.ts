import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { enroll, seedClass, seedFamily, seedSchool, seedStaff } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';
import { apiRouter } from '../../src/http/api/router';
import { eq } from 'drizzle-orm';
import { studentGuardians, students } from '../../db/schema';
import { insertImport } from '../../db/repositories/roster-imports';
import { insertBroadcast } from '../../db/repositories/broadcasts';

/**
 * The authorization matrix: every /api/v1 route × every kind of caller × rows inside and outside
 * their reach. Routes are read from the router itself, so a new route fails the coverage test
 * until it gets a row here.
 */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z'); // a Wednesday, 10:00 in New York
const ROLES = ['district', 'adminA', 'adminB', 'teacherA1', 'teacherNone', 'anon'] as const;
type Role = (typeof ROLES)[number];
const tokens = {} as Record<Role, string | null>;
const P = { ana: '+15555550501', rafa: '+15555550502', leo: '+15555550503', noah: '+15555550504', zoe: '+15555550505', eli: '+15555550506', stranger: '+15555550509' };
const FROM = { A: '+15555550580', B: '+15555550581' };
/** Named rows; `seen` says which callers may see each one. */
const rows: Record<string, { kind: string; id: number; seen: Role[] }> = {};
const ALL_A: Role[] = ['district', 'adminA'];

async function api(who: Role, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (tokens[who]) headers.authorization = `Bearer ${tokens[who]}`;
  const res = await fetch(`${app.url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}
const text = (from: string, to: string, body: string) =>
  fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to, body }) });
const received = async (to: string): Promise<any[]> => (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items;
const row = (name: string, kind: string, id: number, seen: Role[]) => (rows[name] = { kind, id, seen: seen.includes('district') ? seen : ['district', ...seen] });
const ofKind = (kind: string) => Object.entries(rows).filter(([, r]) => r.kind === kind);

beforeAll(async () => {
  app = await startTestApp('api-access', { clock });
  const db = app.deps.db;
  const now = new Date(clock.now()).toISOString();
  const A = await seedSchool(db, { name: 'Adams Elementary', from: FROM.A });
  const B = await seedSchool(db, { name: 'Birch Middle', from: FROM.B });
  const staffToken = async (email: string, role: 'district_admin' | 'school_admin' | 'teacher', schoolId?: number) =>
    addStaffWithToken(db, { email, role, schoolId }, now);
  tokens.district = (await staffToken('district@access.test', 'district_admin')).token;
  tokens.adminA = (await staffToken('admin-a@access.test', 'school_admin', A.id)).token;
  tokens.adminB = (await staffToken('admin-b@access.test', 'school_admin', B.id)).token;
  const t1 = await staffToken('t1@access.test', 'teacher', A.id);
  tokens.teacherA1 = t1.token;
  tokens.teacherNone = (await staffToken('idle@access.test', 'teacher', A.id)).token;
  tokens.anon = null;
  const t2 = await seedStaff(db, { email: 't2@access.test', role: 'teacher', schoolId: A.id });
  const tB = await seedStaff(db, { email: 'tb@access.test', role: 'teacher', schoolId: B.id });

  // Mia's household: Ana, and Rafa who is under a no-contact order for Mia. Leo, a household of
  // his own, is linked to Mia only under a no-contact order. Eli left school (inactive).
  const famA1 = await seedFamily(db, A.id, { name: 'Garcia', guardians: [{ first: 'Ana', phone: P.ana }, { first: 'Rafa', phone: P.rafa, noContact: ['Mia'] }], students: [{ first: 'Mia', grade: '3' }] });
  const famA1x = await seedFamily(db, A.id, { name: 'Lopez', guardians: [{ first: 'Leo', phone: P.leo }] });
  const mia = famA1.students[0];
  await db.insert(studentGuardians).values({ studentId: mia.id, guardianId: famA1x.guardians[0].id, mayContact: false });
  const famA2 = await seedFamily(db, A.id, { name: 'Nguyen', guardians: [{ first: 'Kim', phone: P.noah }], students: [{ first: 'Noah', grade: '3' }] });
  const famA3 = await seedFamily(db, A.id, { name: 'Ito', guardians: [{ first: 'Yui', phone: P.eli }], students: [{ first: 'Eli', grade: '3' }] });
  const famB = await seedFamily(db, B.id, { name: 'Zimmer', guardians: [{ first: 'Uwe', phone: P.zoe }], students: [{ first: 'Zoe', grade: '7' }] });
  await db.update(students).set({ active: false }).where(eq(students.id, famA3.students[0].id));

  const classA1 = await seedClass(db, A.id, { title: 'Grade 3 Reading', teacherIds: [t1.staff.id], grades: '3', subjects: 'English Language Arts, Reading', externalId: 'cls-a1' });
  const classA2 = await seedClass(db, A.id, { title: 'Grade 3 Math', teacherIds: [t2.id], grades: '3 4', subjects: 'Math' });
  const classOld = await seedClass(db, A.id, { title: 'Last year', teacherIds: [t1.staff.id], active: false });
  const classB1 = await seedClass(db, B.id, { title: 'Grade 7 Science', teacherIds: [tB.id], grades: '7' });
  await enroll(db, classA1.id, [mia.id, famA3.students[0].id]);
  await enroll(db, classA2.id, [mia.id, famA2.students[0].id]);
  await enroll(db, classOld.id, [famA2.students[0].id]); // an inactive class gives its teacher nothing
  await enroll(db, classB1.id, [famB.students[0].id]);

  row('schoolA', 'schools', A.id, ['adminA', 'teacherA1', 'teacherNone']);
  row('schoolB', 'schools', B.id, ['adminB']);
  row('famA1', 'families', famA1.family.id, ['adminA', 'teacherA1']);
  row('famA1x', 'families', famA1x.family.id, ALL_A);
  row('famA2', 'families', famA2.family.id, ALL_A);
  row('famA3', 'families', famA3.family.id, ALL_A);
  row('famB', 'families', famB.family.id, ['adminB']);
  row('classA1', 'classes', classA1.id, ['adminA', 'teacherA1']);
  row('classA2', 'classes', classA2.id, ALL_A);
  row('classOld', 'classes', classOld.id, ALL_A);
  row('classB1', 'classes', classB1.id, ['adminB']);
  row('mia', 'students', mia.id, ['adminA', 'teacherA1']);
  row('noah', 'students', famA2.students[0].id, ALL_A);
  row('eli', 'students', famA3.students[0].id, ALL_A);
  row('zoe', 'students', famB.students[0].id, ['adminB']);
  // Roster ids, so the progress import can name each student.
  for (const name of ['mia', 'noah', 'eli', 'zoe']) await db.update(students).set({ externalId: `access-${name}` }).where(eq(students.id, rows[name].id));

  for (const [name, school] of [['importA', A], ['importB', B]] as const) {
    const seeded = await insertImport(db, { format: 'flat', status: 'succeeded', dryRun: true, options: JSON.stringify({ schoolId: school.id }), staffId: null, createdAt: now });
    row(name, 'roster/imports', seeded.id, school === A ? ['adminA'] : ['adminB']);
  }
  // Broadcasts already finished sending, one per school (their own tests are in api-broadcasts.test.ts).
  for (const [name, school, by] of [['bcastA', A, t1.staff.id], ['bcastB', B, tB.id]] as const) {
    const b = await insertBroadcast(db, { schoolId: school.id, createdBy: by, texts: '{"en":"Hi"}', audience: '{"type":"school"}', status: 'done', fanoutDone: true, createdAt: now, updatedAt: now });
    row(name, 'broadcasts', b.id, school === A ? ['adminA', 'teacherA1', 'teacherNone'] : ['adminB']);
  }
  for (const [from, to] of [[P.ana, FROM.A], [P.leo, FROM.A], [P.noah, FROM.A], [P.zoe, FROM.B], [P.stranger, FROM.A]]) await text(from, to, 'Hello?');
  const convs: any[] = await waitFor(async () => {
    const items = (await api('district', 'GET', '/conversations')).json.items;
    return items.length === 5 ? items : null;
  });
  const conv = (familyId: number | null) => convs.find((c) => c.familyId === familyId).id;
  row('convA1', 'conversations', conv(famA1.family.id), ['adminA', 'teacherA1']);
  row('convA1x', 'conversations', conv(famA1x.family.id), ALL_A);
  row('convA2', 'conversations', conv(famA2.family.id), ALL_A);
  row('convB', 'conversations', conv(famB.family.id), ['adminB']);
  row('unmatchedA', 'conversations', conv(null), ALL_A);
  for (const [name, r] of ofKind('conversations')) {
    const [first] = (await api('district', 'GET', `/conversations/${r.id}/messages`)).json.items;
    row(name.replace('conv', 'msg').replace('unmatchedA', 'msgUnmatched'), 'messages', first.id, r.seen);
  }
});

afterAll(async () => {
  await app.stop();
});

/** Every layer of an Express router, as "METHOD /mount/path". */
function routesOf(router: any, prefix = ''): string[] {
  return router.stack.flatMap((layer: any) => {
    if (layer.route) return Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${prefix}${layer.route.path === '/' ? '' : layer.route.path}`);
    if (layer.handle?.stack) return routesOf(layer.handle, prefix + (layer.rawPath === '/' ? '' : layer.rawPath));
    return [];
  });
}

const MISSING = 987654;
const status = (r: { seen: Role[] }, who: Role, ok: number, allowed = true) => (who === 'anon' ? 401 : !r.seen.includes(who) ? 404 : allowed ? ok : 403);
const isAdmin = (who: Role) => who === 'district' || who.startsWith('admin');

/** A route over rows of one kind: each row answers `ok`, 403 or 404 by who may see and do what. */
function perRow(kind: string, method: string, suffix: string, ok: number, opts: { body?: unknown; allowed?: (who: Role) => boolean; except?: Record<string, number> } = {}) {
  return async (who: Role) => {
    for (const [name, r] of ofKind(kind)) {
      const res = await api(who, method, `/${kind}/${r.id}${suffix}`, opts.body);
      const want = status(r, who, opts.except?.[name] ?? ok, opts.allowed?.(who) ?? true);
      expect([name, res.status]).toEqual([name, want]);
      if (want === 404) {
        const absent = await api(who, method, `/${kind}/${MISSING}${suffix}`, opts.body);
        expect(absent.json).toEqual({ error: { ...res.json.error, message: expect.any(String) } });
        expect(JSON.stringify(res.json)).not.toMatch(/Garcia|Lopez|Nguyen|Ito|Zimmer|Mia|Noah|Zoe|\+1555/);
      }
      if (method === 'POST' && res.status === 202) expect(res.json.recipients.map((x: any) => x.to)).not.toEqual(expect.arrayContaining([P.rafa]));
    }
  };
}

/** A list answers exactly the rows of its kind the caller may see (plus rows other tests create). */
function list(kind: string, query = '', only?: (name: string) => boolean) {
  return async (who: Role) => {
    const res = await api(who, 'GET', `/${kind}?limit=500${query}`);
    if (who === 'anon') return expect(res.status).toBe(401);
    expect(res.status).toBe(200);
    const got = new Set(res.json.items.map((i: any) => i.id));
    const seeded = ofKind(kind).filter(([name]) => !only || only(name));
    for (const [name, r] of seeded) expect([name, got.has(r.id)]).toEqual([name, r.seen.includes(who)]);
    if (who.startsWith('teacher')) expect(got.size).toBe(seeded.filter(([, r]) => r.seen.includes(who)).length);
  };
}

const schoolB = () => `&schoolId=${rows.schoolB.id}`;

/** A teacher's updates for each class (about a student enrolled in it): only callers who see the class may preview or send. */
const CLASS_STUDENT: Record<string, string> = { classA1: 'mia', classA2: 'noah', classOld: 'noah', classB1: 'zoe' };
function perClassUpdate(path: string, ok: number) {
  return async (who: Role) => {
    for (const [name, r] of ofKind('classes')) {
      const body = { classId: r.id, items: [{ studentId: rows[CLASS_STUDENT[name]].id, text: 'Great week in class!' }] };
      const res = await api(who, 'POST', path, body);
      expect([name, res.status]).toEqual([name, status(r, who, ok)]);
      if (res.status === 404) {
        const absent = await api(who, 'POST', path, { ...body, classId: MISSING });
        expect(absent.json).toEqual({ error: { ...res.json.error, message: expect.any(String) } });
        expect(JSON.stringify(res.json)).not.toMatch(/Garcia|Lopez|Nguyen|Ito|Zimmer|Mia|Noah|Zoe|\+1555/);
      }
      // Rafa is under a no-contact order for Mia, and Leo's only tie to her is one: neither is ever texted.
      if (res.status === ok) expect(JSON.stringify(res.json)).not.toMatch(new RegExp(`\\${P.rafa}|\\${P.leo}`));
    }
  };
}
/** A broadcast to one student of each school, a year ahead (canceled at once, so nothing is ever sent). */
function broadcastTo(path: string, ok: number) {
  return async (who: Role) => {
    for (const [school, student] of [[rows.schoolA, rows.noah], [rows.schoolB, rows.zoe]]) {
      const body = { schoolId: school.id, audience: { type: 'students', ids: [student.id] }, texts: { en: 'Picture day is Thursday.' }, sendAt: '2027-11-18T15:00:00Z' };
      const res = await api(who, 'POST', path, body);
      expect(res.status).toBe(who === 'anon' ? 401 : !school.seen.includes(who) ? 404 : !isAdmin(who) ? 403 : ok);
      if (res.status === 201) expect((await api('district', 'POST', `/broadcasts/${res.json.id}/cancel`)).status).toBe(200);
    }
  };
}
let phoneSeq = 6000;
const MATRIX: Record<string, (who: Role) => Promise<void>> = {
  'GET /schools': list('schools'),
  'POST /schools': async (who) => {
    const res = await api(who, 'POST', '/schools', { name: `Made by ${who}`, timezone: 'America/New_York' });
    expect(res.status).toBe(who === 'anon' ? 401 : who === 'district' ? 201 : 403);
  },
  'GET /schools/:id': perRow('schools', 'GET', '', 200),
  'PATCH /schools/:id': perRow('schools', 'PATCH', '', 200, { body: { mps: 0 }, allowed: isAdmin }),
  'GET /families': async (who) => {
    await list('families')(who);
    await list('families', schoolB(), (n) => n === 'famB')(who);
  },
  'POST /families': async (who) => {
    for (const school of [rows.schoolA, rows.schoolB]) {
      const body = { schoolId: school.id, name: 'New', guardians: [{ firstName: 'N', lastName: 'New', phone: `+1555555${phoneSeq++}` }] };
      const res = await api(who, 'POST', '/families', body);
      // Permission first: a teacher learns nothing about which schools exist.
      expect(res.status).toBe(who === 'anon' ? 401 : !isAdmin(who) ? 403 : school.seen.includes(who) ? 201 : 404);
    }
  },
  'GET /families/:id': perRow('families', 'GET', '', 200),
  'PATCH /families/:id': perRow('families', 'PATCH', '', 200, { body: { language: 'en' }, allowed: isAdmin }),
  // A family that never texted is written to as a conversation is answered (its conversation opened or reused).
  'POST /families/:id/messages': perRow('families', 'POST', '/messages', 202, { body: { body: 'Hello from school.' }, except: { famA1x: 409 } }),
  'GET /conversations': async (who) => {
    await list('conversations')(who);
    await list('conversations', schoolB(), (n) => n === 'convB')(who);
  },
  'GET /conversations/:id': perRow('conversations', 'GET', '', 200),
  'GET /conversations/:id/messages': perRow('conversations', 'GET', '/messages', 200),
  // Leo's every link is a no-contact order, so his household has no one a reply may reach.
  'POST /conversations/:id/messages': perRow('conversations', 'POST', '/messages', 202, { body: { body: 'Thanks, see you Friday.' }, except: { convA1x: 409 } }),
  'GET /messages/:id': perRow('messages', 'GET', '', 200),
  'POST /messages/preview': async (who) => {
    expect((await api(who, 'POST', '/messages/preview', { body: 'Hi' })).status).toBe(who === 'anon' ? 401 : 200);
  },
  'GET /classes': async (who) => {
    await list('classes')(who);
    await list('classes', schoolB(), (n) => n === 'classB1')(who);
  },
  'GET /classes/:id': perRow('classes', 'GET', '', 200),
  // Whoever sees a class may set what it is learning: its teachers and its school's admins.
  'PATCH /classes/:id': perRow('classes', 'PATCH', '', 200, { body: { currentUnit: 'Place value' } }),
  'GET /students': async (who) => {
    await list('students')(who);
    await list('students', schoolB(), (n) => n === 'zoe')(who);
    // Mia is teacherA1's student, but asking through a class they do not teach shows nothing.
    const inA2 = await api(who, 'GET', `/students?classId=${rows.classA2.id}`);
    if (who !== 'anon') expect(inA2.json.items.map((i: any) => i.id)).toEqual(ALL_A.includes(who) ? [rows.mia.id, rows.noah.id] : []);
  },
  'GET /students/:id': perRow('students', 'GET', '', 200),
  'GET /students/:id/progress': perRow('students', 'GET', '/progress', 200),
  'POST /progress': async (who) => {
    for (const [name, r] of ofKind('students')) {
      const res = await api(who, 'POST', '/progress', { studentId: r.id, week: '2026-W47', kind: 'absences', value: 1 });
      expect([name, res.status]).toEqual([name, status(r, who, 201)]);
      if (res.status === 404) expect(JSON.stringify(res.json)).not.toMatch(/Garcia|Lopez|Nguyen|Ito|Zimmer|Mia|Noah|Zoe|\+1555/);
    }
  },
  // A file's students outside the caller's reach are rejected rows; a file with no row they reach is a 400.
  'POST /progress/imports': async (who) => {
    for (const [name, r] of ofKind('students')) {
      const res = await fetch(`${app.url}/api/v1/progress/imports`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}) },
        body: `student_id,week,kind,value\naccess-${name},2026-W47,note,Kind to others\n`,
      });
      expect([name, res.status]).toEqual([name, status(r, who, 200) === 404 ? 400 : status(r, who, 200)]);
    }
  },
  'GET /roster/imports': list('roster/imports'),
  'GET /roster/imports/:id': perRow('roster/imports', 'GET', '', 200),
  'POST /updates/preview': perClassUpdate('/updates/preview', 200),
  'POST /updates': perClassUpdate('/updates', 202),
  // Admins only; a school the caller cannot see is 404 (a teacher who sees it: 403).
  'GET /nudges/report': async (who) => {
    const all = await api(who, 'GET', '/nudges/report?week=2026-W45');
    expect(all.status).toBe(who === 'anon' ? 401 : isAdmin(who) ? 200 : 403);
    if (all.status === 200) {
      const ids = all.json.items.map((i: any) => i.schoolId);
      for (const school of [rows.schoolA, rows.schoolB]) expect(ids.includes(school.id)).toBe(school.seen.includes(who));
    }
    for (const school of [rows.schoolA, rows.schoolB]) {
      const one = await api(who, 'GET', `/nudges/report?week=2026-W45&schoolId=${school.id}`);
      expect(one.status).toBe(who === 'anon' ? 401 : !school.seen.includes(who) ? 404 : isAdmin(who) ? 200 : 403);
    }
    if (who !== 'anon') expect((await api(who, 'GET', '/nudges/report?week=2026-45')).status).toBe(400);
  },
  // The reminder templates are the same for everyone: any signed-in staff member may list them.
  'GET /reminders': async (who) => {
    const res = await api(who, 'GET', '/reminders');
    expect(res.status).toBe(who === 'anon' ? 401 : 200);
  },
  // Broadcasts are their school's admins' (and the district's): a teacher who sees the school gets 403.
  'POST /broadcasts': broadcastTo('/broadcasts', 201),
  'POST /broadcasts/preview': broadcastTo('/broadcasts/preview', 200),
  'GET /broadcasts': async (who) => {
    const res = await api(who, 'GET', '/broadcasts?limit=500');
    if (who === 'anon') return expect(res.status).toBe(401);
    const got = new Set(res.json.items.map((i: any) => i.id));
    for (const [name, r] of ofKind('broadcasts')) expect([name, got.has(r.id)]).toEqual([name, isAdmin(who) && r.seen.includes(who)]);
  },
  'GET /broadcasts/:id': perRow('broadcasts', 'GET', '', 200, { allowed: isAdmin }),
  'GET /broadcasts/:id/report': perRow('broadcasts', 'GET', '/report', 200, { allowed: isAdmin }),
  'GET /broadcasts/:id/report.csv': async (who) => {
    for (const [name, r] of ofKind('broadcasts')) {
      const res = await fetch(`${app.url}/api/v1/broadcasts/${r.id}/report.csv`, { headers: tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {} });
      expect([name, res.status]).toEqual([name, status(r, who, 200, isAdmin(who))]);
    }
  },
  // A finished broadcast can be neither paused, resumed nor canceled: its admins get 409, others as ever.
  'POST /broadcasts/:id/pause': perRow('broadcasts', 'POST', '/pause', 409, { allowed: isAdmin }),
  'POST /broadcasts/:id/resume': perRow('broadcasts', 'POST', '/resume', 409, { allowed: isAdmin }),
  'POST /broadcasts/:id/cancel': perRow('broadcasts', 'POST', '/cancel', 409, { allowed: isAdmin }),
  'POST /roster/imports': async (who) => {
    for (const school of [rows.schoolA, rows.schoolB]) {
      const form = new FormData();
      for (const [k, v] of Object.entries({ schoolId: String(school.id), dryRun: 'true', welcome: 'false' })) form.append(k, v);
      form.append('file', new Blob(['student_id,student_first_name\r\n']), 'roster.csv');
      const res = await fetch(`${app.url}/api/v1/roster/imports`, { method: 'POST', headers: tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}, body: form });
      expect(res.status).toBe(who === 'anon' ? 401 : !isAdmin(who) ? 403 : school.seen.includes(who) ? 202 : 404);
    }
  },
};

test('the matrix covers every route the API registers', () => {
  expect(Object.keys(MATRIX).sort()).toEqual([...new Set(routesOf(apiRouter(app.deps)))].sort());
});

describe.each(Object.keys(MATRIX))('%s', (route) => {
  test.each(ROLES)('as %s', async (who) => {
    await MATRIX[route](who);
  });
});

describe('classes and students', () => {
  test('a teacher lists their own active classes, with grades and subjects as lists', async () => {
    const { json } = await api('teacherA1', 'GET', '/classes');
    // The current unit is whatever the PATCH rows above last set; its own tests are in api-progress.test.ts.
    expect(json.items.map(({ currentUnit: _u, currentUnitSetAt: _at, ...c }: any) => c)).toEqual([
      { id: rows.classA1.id, schoolId: rows.schoolA.id, externalId: 'cls-a1', title: 'Grade 3 Reading', grades: ['3'], subjects: ['English Language Arts', 'Reading'], active: true },
    ]);
    expect(Object.keys(json.items[0])).toEqual(expect.arrayContaining(['currentUnit', 'currentUnitSetAt']));
    expect(json.nextCursor).toBeNull();
  });

  test('a class shows its teachers and active students with the families that may be texted about them', async () => {
    const { json } = await api('teacherA1', 'GET', `/classes/${rows.classA1.id}`);
    expect(json.teachers).toEqual([{ id: expect.any(Number), name: null, email: 't1@access.test' }]);
    // Eli left school; Leo's household is tied to Mia only by a no-contact order.
    expect(json.students).toEqual([{ id: rows.mia.id, firstName: 'Mia', lastName: 'Garcia', grade: '3', familyIds: [rows.famA1.id] }]);
    expect((await api('adminA', 'GET', `/classes/${rows.classA2.id}`)).json.grades).toEqual(['3', '4']);
  });

  test('a student lists every guardian, no-contact ones flagged, and only the classes the caller sees', async () => {
    const mine = (await api('teacherA1', 'GET', `/students/${rows.mia.id}`)).json;
    expect(mine).toMatchObject({ id: rows.mia.id, schoolId: rows.schoolA.id, firstName: 'Mia', lastName: 'Garcia', grade: '3', active: true, classIds: [rows.classA1.id] });
    expect(mine.guardians.map((g: any) => [g.firstName, g.familyId, g.mayContact])).toEqual([
      ['Ana', rows.famA1.id, true],
      ['Rafa', rows.famA1.id, false],
      ['Leo', rows.famA1x.id, false],
    ]);
    expect(Object.keys(mine.guardians[0]).sort()).toEqual(['familyId', 'firstName', 'id', 'lastName', 'mayContact', 'relationship']);
    expect((await api('adminA', 'GET', `/students/${rows.mia.id}`)).json.classIds).toEqual([rows.classA1.id, rows.classA2.id]);
  });

  test('lists page by id', async () => {
    const first = (await api('adminA', 'GET', '/classes?limit=2')).json;
    expect(first.items).toHaveLength(2);
    const rest = (await api('adminA', 'GET', `/classes?limit=2&cursor=${first.nextCursor}`)).json;
    expect([...first.items, ...rest.items].map((c: any) => c.id)).toEqual([rows.classA1.id, rows.classA2.id, rows.classOld.id]);
    expect(rest.nextCursor).toBeNull();
    expect((await api('adminA', 'GET', '/students?classId=abc')).status).toBe(400);
  });
});

describe('no-contact orders', () => {
  test('a reply reaches the household but never the guardian under the order', async () => {
    const res = await api('teacherA1', 'POST', `/conversations/${rows.convA1.id}/messages`, { body: 'Mia did great today.' });
    expect(res.status).toBe(202);
    expect(res.json.recipients.map((r: any) => r.to)).toEqual([P.ana]);
    await waitFor(async () => (await received(P.ana)).some((m) => m.body === 'Mia did great today.'));
    expect(await received(P.rafa)).toEqual([]);
  });

  test('a household tied to its students only by no-contact orders cannot be texted at all', async () => {
    const res = await api('adminA', 'POST', `/conversations/${rows.convA1x.id}/messages`, { body: 'Hello Leo' });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('no_recipients');
    const log = (await api('adminA', 'GET', `/conversations/${rows.convA1x.id}/messages`)).json.items;
    expect(log.map((m: any) => m.direction)).toEqual(['inbound']);
    expect(await received(P.leo)).toEqual([]);
  });
});
