import { eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';
import { students } from '../../db/schema';
import { currentUnits } from '../../db/repositories/classes';
import { freshestProgress } from '../../db/repositories/progress';

/**
 * Progress records through the API: who may write them (a teacher for their classes' students, an
 * admin for the school), what a value may be, the CSV import (row errors by line, valid rows kept,
 * the same file twice adds nothing), reading them back; a class's current unit; a school's nudge slot.
 */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z'); // Wednesday of ISO week 2026-W47 (Monday 2026-11-16)
const tokens = { district: '', adminA: '', adminB: '', teacher: '', other: '' };
const ids = { schoolA: 0, schoolB: 0, mia: 0, noah: 0, zoe: 0, classA: 0, classA2: 0 };

async function api(token: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = contentType;
  const res = await fetch(`${app.url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

beforeAll(async () => {
  app = await startTestApp('api-progress', { clock });
  const db = app.deps.db;
  const now = new Date(clock.now()).toISOString();
  const A = await seedSchool(db, { name: 'Adams Elementary' });
  const B = await seedSchool(db, { name: 'Birch Middle' });
  ids.schoolA = A.id;
  ids.schoolB = B.id;
  const add = async (email: string, role: 'district_admin' | 'school_admin' | 'teacher', schoolId?: number) => (await addStaffWithToken(db, { email, role, schoolId }, now));
  tokens.district = (await add('district@progress.test', 'district_admin')).token;
  tokens.adminA = (await add('admin-a@progress.test', 'school_admin', A.id)).token;
  tokens.adminB = (await add('admin-b@progress.test', 'school_admin', B.id)).token;
  const teacher = await add('lee@progress.test', 'teacher', A.id);
  tokens.teacher = teacher.token;
  const other = await add('park@progress.test', 'teacher', A.id);
  tokens.other = other.token;
  const garcia = await seedFamily(db, A.id, { name: 'Garcia', guardians: [{ first: 'Ana', phone: '+15555550701' }], students: [{ first: 'Mia', grade: '3' }] });
  const nguyen = await seedFamily(db, A.id, { name: 'Nguyen', guardians: [{ first: 'Kim', phone: '+15555550702' }], students: [{ first: 'Noah', grade: '4' }] });
  const zimmer = await seedFamily(db, B.id, { name: 'Zimmer', guardians: [{ first: 'Uwe', phone: '+15555550703' }], students: [{ first: 'Zoe', grade: '7' }] });
  ids.mia = garcia.students[0].id;
  ids.noah = nguyen.students[0].id;
  ids.zoe = zimmer.students[0].id;
  for (const [id, ext] of [[ids.mia, 'S-100'], [ids.noah, 'S-200'], [ids.zoe, 'S-300']] as const) await db.update(students).set({ externalId: ext }).where(eq(students.id, id));
  ids.classA = (await seedClass(db, A.id, { title: 'Grade 3 Reading', teacherIds: [teacher.staff.id] })).id;
  ids.classA2 = (await seedClass(db, A.id, { title: 'Grade 4 Math', teacherIds: [other.staff.id] })).id;
  await enroll(db, ids.classA, [ids.mia]);
  await enroll(db, ids.classA2, [ids.noah]);
});

afterAll(async () => {
  await app.stop();
});

describe('POST /progress', () => {
  test('a teacher records a week for a student of their class; the week is stored as its Monday', async () => {
    const res = await api(tokens.teacher, 'POST', '/progress', { studentId: ids.mia, week: '2026-W47', kind: 'missing_assignments', value: 2 });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ created: 1, updated: 0, unchanged: 0 });
    expect(res.json.items).toEqual([expect.objectContaining({ studentId: ids.mia, schoolId: ids.schoolA, week: '2026-11-16', kind: 'missing_assignments', value: '2', source: 'api' })]);
    // A date of the same week is the same week: the value is replaced, not added.
    const again = await api(tokens.teacher, 'POST', '/progress', { studentId: ids.mia, week: '2026-11-20', kind: 'missing_assignments', value: '0' });
    expect(again.json).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    expect(again.json.items[0]).toMatchObject({ id: res.json.items[0].id, value: '0' });
    const read = await api(tokens.teacher, 'GET', `/students/${ids.mia}/progress`);
    expect(read.json.items.filter((p: any) => p.kind === 'missing_assignments')).toHaveLength(1);
  });

  test("a student outside the caller's reach is a 404, like a missing one, and nothing of the request is stored", async () => {
    for (const [token, studentId] of [[tokens.teacher, ids.noah], [tokens.adminB, ids.mia], [tokens.adminA, ids.zoe], [tokens.adminA, 987654]] as const) {
      const res = await api(token, 'POST', '/progress', { items: [{ studentId: ids.mia, week: '2026-W46', kind: 'absences', value: 1 }, { studentId, week: '2026-W46', kind: 'absences', value: 1 }] });
      if (token === tokens.adminA && studentId === ids.mia) continue;
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.json)).not.toMatch(/Noah|Zoe|Garcia/);
    }
    expect((await api(tokens.adminA, 'GET', `/students/${ids.mia}/progress`)).json.items.some((p: any) => p.week === '2026-11-09')).toBe(false);
  });

  test('an admin writes for any student of their school, a list at once', async () => {
    const res = await api(tokens.adminA, 'POST', '/progress', {
      items: [
        { studentId: ids.noah, week: '2026-W47', kind: 'reading_level', value: '  Level   M ' },
        { studentId: ids.noah, week: '2026-W47', kind: 'current_unit', value: 'Fractions on a number line' },
        { studentId: ids.mia, week: '2026-W47', kind: 'note', value: 'Read every night this week.' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.json.items.map((p: any) => p.value)).toEqual(['Level M', 'Fractions on a number line', 'Read every night this week.']);
    expect((await api(tokens.district, 'POST', '/progress', { studentId: ids.zoe, week: '2026-W47', kind: 'absences', value: 0 })).status).toBe(201);
  });

  test('bad input is a 400 naming each field, never a 500', async () => {
    const cases: [unknown, Record<string, string>][] = [
      [{ studentId: ids.mia, week: '2026-W47', kind: 'absences', value: -1 }, { value: 'must be a whole number, 0 or more' }],
      [{ studentId: ids.mia, week: '2026-W47', kind: 'absences', value: 2.5 }, { value: 'must be a whole number, 0 or more' }],
      [{ studentId: ids.mia, week: '2026-W47', kind: 'missing_assignments', value: 'two' }, { value: 'must be a whole number, 0 or more' }],
      [{ studentId: ids.mia, week: '2026-W47', kind: 'absences', value: 5000 }, { value: 'must be at most 1000' }],
      [{ studentId: ids.mia, week: '2025-W53', kind: 'absences', value: 1 }, { week: expect.stringContaining('ISO week') }],
      [{ studentId: ids.mia, week: '2026-02-30', kind: 'absences', value: 1 }, { week: expect.stringContaining('ISO week') }],
      [{ studentId: ids.mia, week: 'last week', kind: 'grades', value: 1 }, { week: expect.any(String), kind: expect.stringContaining('missing_assignments') }],
      [{ studentId: ids.mia, week: '2026-W47', kind: 'update', value: 'x' }, { kind: expect.stringContaining('must be one of') }],
      [{ studentId: ids.mia, week: '2026-W47', kind: 'note', value: 'x'.repeat(501) }, { value: 'must be at most 500 characters' }],
      [{ studentId: ids.mia, week: '2026-W47', kind: 'reading_level', value: { level: 'M' } }, { value: 'must be a string' }],
      [{ studentId: ids.mia, week: '2026-W47', kind: 'note' }, { value: 'is required' }],
      [{ studentId: 'abc', week: '2026-W47', kind: 'note', value: 'hi' }, { studentId: 'must be a numeric id' }],
      [{ studentId: ids.mia, week: '2026-W47', kind: 'note', value: 'hi', extra: 1 }, { extra: 'unknown field' }],
      [{ items: [{ studentId: ids.mia, week: '2026-W47', kind: 'absences', value: 1 }, { studentId: ids.mia, week: '2026-W47', kind: 'absences', value: 'x' }] }, { 'items.1.value': expect.any(String) }],
      [{ items: [] }, { items: 'must hold at least one record' }],
      [[1, 2], { body: expect.any(String) }],
    ];
    for (const [body, fields] of cases) {
      const res = await api(tokens.adminA, 'POST', '/progress', body);
      expect([JSON.stringify(body).slice(0, 80), res.status]).toEqual([JSON.stringify(body).slice(0, 80), 400]);
      expect(res.json.error.fields).toEqual(fields);
    }
    expect((await api(tokens.adminA, 'POST', '/progress', '{"studentId":', 'application/json')).status).toBe(400);
  });
});

describe('CSV import', () => {
  const CSV = [
    'student_id,week,kind,value',
    'S-100,2026-W46,missing_assignments,3',
    'S-100,2026-11-10,absences,1', // a Tuesday of W46
    'S-200,2026-W46,reading_level,N',
    'S-999,2026-W46,absences,1', // no such student
    'S-100,2026-W46,absences,-2',
    'S-100,2026-W46,grades,A',
    '"S-200",2026-W46,note,"Asked great questions,',
    'and helped a friend"',
    'S-300,2026-W46,absences,0', // another school's student
  ].join('\r\n');

  test('valid rows are stored, each bad row is reported by its line, and the same file twice stores nothing new', async () => {
    const first = await api(tokens.adminA, 'POST', '/progress/imports', CSV, 'text/csv');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ rows: 8, created: 4, updated: 0, unchanged: 0, rejected: 4 });
    expect(first.json.errors).toEqual([
      { line: 5, reason: expect.stringContaining('"S-999" is not a student you can reach') },
      { line: 6, reason: 'value must be a whole number, 0 or more' },
      { line: 7, reason: expect.stringMatching(/^kind must be one of/) },
      { line: 10, reason: expect.stringContaining('"S-300" is not a student you can reach') },
    ]);
    const noah = (await api(tokens.adminA, 'GET', `/students/${ids.noah}/progress`)).json.items;
    expect(noah.find((p: any) => p.kind === 'note' && p.week === '2026-11-09')).toMatchObject({ value: 'Asked great questions, and helped a friend', source: 'csv' });

    const second = await api(tokens.adminA, 'POST', '/progress/imports', CSV, 'text/csv');
    expect(second.json).toMatchObject({ created: 0, updated: 0, unchanged: 4, rejected: 4 });
    const mia = (await api(tokens.adminA, 'GET', `/students/${ids.mia}/progress?limit=500`)).json.items;
    expect(mia.filter((p: any) => p.week === '2026-11-09' && p.source === 'csv')).toHaveLength(2);

    // A corrected export replaces the value, as multipart this time.
    const form = new FormData();
    form.append('file', new Blob(['student_id,week,kind,value\nS-100,2026-W46,missing_assignments,1\n']), 'gradebook.csv');
    const fixed = await fetch(`${app.url}/api/v1/progress/imports`, { method: 'POST', headers: { authorization: `Bearer ${tokens.adminA}` }, body: form });
    expect(await fixed.json()).toMatchObject({ created: 0, updated: 1, unchanged: 0, rejected: 0 });
  });

  test("a teacher's file reaches only their classes' students; a file with no good row is a 400 by line", async () => {
    const res = await api(tokens.teacher, 'POST', '/progress/imports', 'student_id,week,kind,value\nS-100,2026-W45,absences,0\nS-200,2026-W45,absences,4\n', 'text/csv');
    expect(res.json).toMatchObject({ created: 1, rejected: 1, errors: [{ line: 3, reason: expect.stringContaining('"S-200"') }] });
    const none = await api(tokens.other, 'POST', '/progress/imports', 'student_id,week,kind,value\nS-100,2026-W45,absences,0\n', 'text/csv');
    expect(none.status).toBe(400);
    expect(none.json.error.fields).toEqual({ 'csv.line 2': expect.stringContaining('"S-100"') });
  });

  test('a broken header, an empty or oversized file, a wrong content type and ?schoolId= of a hidden school', async () => {
    const header = await api(tokens.adminA, 'POST', '/progress/imports', 'id,week,kind\n1,2026-W45,absences\n', 'text/csv');
    expect(header.status).toBe(400);
    expect(header.json.error.fields['csv.line 1']).toMatch(/student_id, value.*unknown column "id"/);
    expect((await api(tokens.adminA, 'POST', '/progress/imports', '', 'text/csv')).status).toBe(400);
    expect((await api(tokens.adminA, 'POST', '/progress/imports', { csv: 'x' })).json.error.fields).toEqual({ file: expect.stringContaining('text/csv') });
    const big = await api(tokens.adminA, 'POST', '/progress/imports', `student_id,week,kind,value\n${'S-100,2026-W45,note,x\n'.repeat(100_000)}`, 'text/csv');
    expect(big.status).toBe(413);
    expect((await api(tokens.adminB, 'POST', `/progress/imports?schoolId=${ids.schoolA}`, 'student_id,week,kind,value\nS-300,2026-W45,absences,0\n', 'text/csv')).status).toBe(404);
    // The district keeps a file to one school: the other school's rows are rejected.
    const kept = await api(tokens.district, 'POST', `/progress/imports?schoolId=${ids.schoolB}`, 'student_id,week,kind,value\nS-300,2026-W45,absences,0\nS-100,2026-W45,absences,0\n', 'text/csv');
    expect(kept.json).toMatchObject({ created: 1, rejected: 1, errors: [{ line: 3, reason: expect.stringContaining('in this school') }] });
  });
});

describe('reading progress', () => {
  test('newest week first, paged; hidden students are 404', async () => {
    const all = (await api(tokens.adminA, 'GET', `/students/${ids.mia}/progress?limit=500`)).json.items;
    expect(all.map((p: any) => p.week)).toEqual([...all.map((p: any) => p.week)].sort().reverse());
    const first = (await api(tokens.adminA, 'GET', `/students/${ids.mia}/progress?limit=2`)).json;
    const rest = (await api(tokens.adminA, 'GET', `/students/${ids.mia}/progress?limit=500&cursor=${first.nextCursor}`)).json;
    expect([...first.items, ...rest.items].map((p: any) => p.id)).toEqual(all.map((p: any) => p.id));
    expect((await api(tokens.other, 'GET', `/students/${ids.mia}/progress`)).status).toBe(404);
    expect((await api(tokens.adminB, 'GET', `/students/${ids.mia}/progress`)).status).toBe(404);
    expect((await api(tokens.adminA, 'GET', `/students/${ids.mia}/progress?cursor=zzz`)).status).toBe(400);
  });

  test('freshestProgress gives each student its records since a week, freshest first', async () => {
    const map = await freshestProgress(app.deps.db, [ids.mia, ids.noah, 987654], '2026-W46');
    expect(map.has(987654)).toBe(false);
    const mia = map.get(ids.mia)!;
    expect(mia[0].week).toBe('2026-11-16');
    expect(mia.every((p) => p.week >= '2026-11-09')).toBe(true);
    expect(mia.map((p) => p.week)).toEqual([...mia.map((p) => p.week)].sort().reverse());
    expect(mia).toContainEqual({ kind: 'missing_assignments', value: '1', week: '2026-11-09' });
    expect((await freshestProgress(app.deps.db, [ids.mia], '2026-11-16')).get(ids.mia)!.every((p) => p.week === '2026-11-16')).toBe(true);
  });
});

describe("a class's current unit", () => {
  test('its teacher and its admins set it; another teacher gets 404; it shows in GET and currentUnits', async () => {
    const set = await api(tokens.teacher, 'PATCH', `/classes/${ids.classA}`, { currentUnit: '  Fractions on a   number line ' });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ id: ids.classA, currentUnit: 'Fractions on a number line', currentUnitSetAt: new Date(clock.now()).toISOString() });
    expect((await api(tokens.other, 'PATCH', `/classes/${ids.classA}`, { currentUnit: 'Poetry' })).status).toBe(404);
    expect((await api(tokens.adminB, 'PATCH', `/classes/${ids.classA}`, { currentUnit: 'Poetry' })).status).toBe(404);
    expect((await api(tokens.adminA, 'PATCH', `/classes/${ids.classA2}`, { currentUnit: 'Area and perimeter' })).json.currentUnit).toBe('Area and perimeter');
    expect((await api(tokens.teacher, 'GET', `/classes/${ids.classA}`)).json.currentUnit).toBe('Fractions on a number line');
    expect((await api(tokens.teacher, 'GET', '/classes')).json.items[0].currentUnit).toBe('Fractions on a number line');
    const units = await currentUnits(app.deps.db, [ids.classA, ids.classA2, 987654]);
    expect(units).toEqual(new Map([[ids.classA, 'Fractions on a number line'], [ids.classA2, 'Area and perimeter']]));
    expect((await api(tokens.adminA, 'PATCH', `/classes/${ids.classA2}`, { currentUnit: null })).json.currentUnit).toBeNull();
    expect((await currentUnits(app.deps.db, [ids.classA2])).get(ids.classA2)).toBeNull();
  });

  test('bad input is a 400 naming the field', async () => {
    const cases: [unknown, Record<string, string>][] = [
      [{ currentUnit: 'x'.repeat(121) }, { currentUnit: 'must be at most 120 characters' }],
      [{ currentUnit: 5 }, { currentUnit: 'must be a string, or null to clear it' }],
      [{}, { currentUnit: 'is required' }],
      [{ currentUnit: 'Poetry', title: 'New' }, { title: 'unknown field' }],
    ];
    for (const [body, fields] of cases) {
      const res = await api(tokens.teacher, 'PATCH', `/classes/${ids.classA}`, body);
      expect(res.status).toBe(400);
      expect(res.json.error.fields).toEqual(fields);
    }
  });
});

describe("a school's nudge slot", () => {
  test('Saturday 09:30 by default; its admin and the district change it; a teacher may not; anything else is a 400', async () => {
    expect((await api(tokens.adminA, 'GET', `/schools/${ids.schoolA}`)).json.nudgeSlot).toBe('sat-09:30');
    expect((await api(tokens.adminA, 'PATCH', `/schools/${ids.schoolA}`, { nudgeSlot: 'fri-17:00' })).json.nudgeSlot).toBe('fri-17:00');
    expect((await api(tokens.district, 'PATCH', `/schools/${ids.schoolA}`, { nudgeSlot: 'sun-10:00' })).json.nudgeSlot).toBe('sun-10:00');
    expect((await api(tokens.teacher, 'PATCH', `/schools/${ids.schoolA}`, { nudgeSlot: 'sat-09:30' })).status).toBe(403);
    expect((await api(tokens.adminB, 'PATCH', `/schools/${ids.schoolA}`, { nudgeSlot: 'sat-09:30' })).status).toBe(404);
    for (const nudgeSlot of ['sat-10:00', 'Saturday', 6, null]) {
      const res = await api(tokens.adminA, 'PATCH', `/schools/${ids.schoolA}`, { nudgeSlot });
      expect(res.status).toBe(400);
      expect(res.json.error.fields).toEqual({ nudgeSlot: 'must be one of fri-17:00, sat-09:30, sun-10:00' });
    }
    expect((await api(tokens.adminA, 'GET', '/schools')).json.items[0].nudgeSlot).toBe('sun-10:00');
    const made = await api(tokens.district, 'POST', '/schools', { name: 'Cedar High', timezone: 'America/Chicago', nudgeSlot: 'fri-17:00' });
    expect(made.json.nudgeSlot).toBe('fri-17:00');
  });
});
