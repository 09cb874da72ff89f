import { eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { ConsoleClient } from '../helpers/console';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';
import { students } from '../../db/schema';
import { currentUnits } from '../../db/repositories/classes';
import { freshestProgress } from '../../db/repositories/progress';
import { findSchool } from '../../db/repositories/schools';

/**
 * The console's progress upload, a class's "Learning now" form and the school's nudge time, over
 * HTTP as a browser with JS off uses them.
 */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z');
const PASSWORD = 'console progress passphrase';
const ids = { school: 0, klass: 0, mia: 0, noah: 0 };
let teacher: ConsoleClient;
let admin: ConsoleClient;

beforeAll(async () => {
  app = await startTestApp('console-progress', { clock });
  const db = app.deps.db;
  const now = new Date(clock.now()).toISOString();
  const school = await seedSchool(db, { name: 'Maple Street School' });
  ids.school = school.id;
  const lee = (await addStaffWithToken(db, { email: 'lee@progress-console.test', role: 'teacher', schoolId: school.id, name: 'Ms. Lee', password: PASSWORD }, now)).staff;
  await addStaffWithToken(db, { email: 'admin@progress-console.test', role: 'school_admin', schoolId: school.id, name: 'Dr. Reyes', password: PASSWORD }, now);
  ids.mia = (await seedFamily(db, school.id, { name: 'Garcia', guardians: [{ first: 'Ana', phone: '+15555550961' }], students: [{ first: 'Mia', grade: '3' }] })).students[0].id;
  ids.noah = (await seedFamily(db, school.id, { name: 'Nguyen', guardians: [{ first: 'Kim', phone: '+15555550962' }], students: [{ first: 'Noah', grade: '3' }] })).students[0].id;
  await db.update(students).set({ externalId: 'MS-1' }).where(eq(students.id, ids.mia));
  await db.update(students).set({ externalId: 'MS-2' }).where(eq(students.id, ids.noah));
  ids.klass = (await seedClass(db, school.id, { title: 'Grade 3 Reading', teacherIds: [lee.id] })).id;
  await enroll(db, ids.klass, [ids.mia]); // Noah is in no class of Ms. Lee's
  teacher = new ConsoleClient(app.url);
  expect((await teacher.signIn('lee@progress-console.test', PASSWORD)).status).toBe(303);
  admin = new ConsoleClient(app.url);
  expect((await admin.signIn('admin@progress-console.test', PASSWORD)).status).toBe(303);
});

afterAll(async () => {
  await app.stop();
});

const FILE = ['student_id,week,kind,value', 'MS-1,2026-W47,missing_assignments,2', 'MS-1,2026-W47,reading_level,M', 'MS-2,2026-W47,absences,1', 'MS-1,2026-W47,absences,many'].join('\n');

test("a teacher uploads a gradebook export: their students' rows are stored, the others listed by line; the same file again changes nothing", async () => {
  const page = await teacher.get('/console/progress');
  expect(page.status).toBe(200);
  expect(page.html).toContain('student_id,week,kind,value');
  const up = await teacher.upload('/console/progress', {}, { name: 'gradebook.csv', content: FILE });
  expect(up.status).toBe(303);
  expect(up.location).toBe('/console/progress');
  const result = (await teacher.get('/console/progress')).html;
  expect(result).toContain('Stored gradebook.csv: 2 new, 0 changed, 0 unchanged; 2 rows not stored');
  expect(result).toMatch(/<th scope="row">4<\/th><td>student_id &quot;MS-2&quot; is not a student you can reach/);
  expect(result).toMatch(/<th scope="row">5<\/th><td>value must be a whole number, 0 or more/);
  // Shown once: a reload shows the form alone.
  expect((await teacher.get('/console/progress')).html).not.toContain('Stored gradebook.csv');
  expect((await freshestProgress(app.deps.db, [ids.mia, ids.noah], '2026-W47')).get(ids.noah)).toBeUndefined();

  await teacher.upload('/console/progress', {}, { name: 'gradebook.csv', content: FILE });
  expect((await teacher.get('/console/progress')).html).toContain('0 new, 0 changed, 2 unchanged');
  expect((await freshestProgress(app.deps.db, [ids.mia], '2026-W47')).get(ids.mia)).toHaveLength(2);

  // The school's admin reaches Noah.
  await admin.get('/console/progress');
  await admin.upload('/console/progress', {}, { name: 'attendance.csv', content: 'student_id,week,kind,value\nMS-2,2026-11-18,absences,1\n' });
  expect((await admin.get('/console/progress')).html).toContain('Stored attendance.csv: 1 new');
});

test('a file with nothing to store, an empty upload and a broken header answer 400 with the reasons on the page', async () => {
  await teacher.get('/console/progress');
  const none = await teacher.upload('/console/progress', {}, { name: 'x.csv', content: 'student_id,week,kind,value\nMS-2,2026-W47,absences,1\n' });
  expect(none.status).toBe(400);
  expect(none.html).toContain('Nothing was stored');
  expect(none.html).toMatch(/<th scope="row">2<\/th><td>student_id &quot;MS-2&quot;/);
  await teacher.get('/console/progress');
  const empty = await teacher.upload('/console/progress', {}, { name: 'x.csv', content: '' });
  expect(empty.status).toBe(400);
  expect(empty.html).toContain('This file is empty.');
  await teacher.get('/console/progress');
  const header = await teacher.upload('/console/progress', {}, { name: 'x.csv', content: 'name,score\nMia,3\n' });
  expect(header.status).toBe(400);
  expect(header.html).toContain('the header needs student_id, week, kind, value');
});

test("a class's teacher sets what it is learning now on the class page; too long is shown back with the reason", async () => {
  const page = await teacher.get(`/console/classes/${ids.klass}`);
  expect(page.html).toContain('No current unit yet');
  const saved = await teacher.post(`/console/classes/${ids.klass}/unit`, { currentUnit: 'Fractions on a number line' });
  expect(saved.status).toBe(303);
  const after = (await teacher.get(`/console/classes/${ids.klass}`)).html;
  expect(after).toContain('Saved: the class is learning “Fractions on a number line”.');
  expect(after).toMatch(/class="current-unit">Fractions on a number line/);
  expect(after).toContain('value="Fractions on a number line"');
  expect((await currentUnits(app.deps.db, [ids.klass])).get(ids.klass)).toBe('Fractions on a number line');

  const long = await teacher.post(`/console/classes/${ids.klass}/unit`, { currentUnit: 'x'.repeat(130) });
  expect(long.status).toBe(400);
  expect(long.html).toContain('Must be at most 120 characters.');
  expect(long.html).toContain(`value="${'x'.repeat(130)}"`);
  expect((await currentUnits(app.deps.db, [ids.klass])).get(ids.klass)).toBe('Fractions on a number line');

  await teacher.get(`/console/classes/${ids.klass}`);
  expect((await teacher.post(`/console/classes/${ids.klass}/unit`, { currentUnit: '  ' })).status).toBe(303);
  expect((await teacher.get(`/console/classes/${ids.klass}`)).html).toContain('The current unit is cleared.');
  expect((await currentUnits(app.deps.db, [ids.klass])).get(ids.klass)).toBeNull();
});

test("the school's admin picks when weekend texts go out; a made-up time is refused", async () => {
  const page = await admin.get(`/console/schools/${ids.school}/settings`);
  expect(page.html).toMatch(/<option value="sat-09:30" selected>Saturday 9:30 AM<\/option>/);
  const form = { timezone: 'America/New_York', from: '', mps: '0', phoneRegion: 'US' };
  expect((await admin.post(`/console/schools/${ids.school}/settings`, { ...form, nudgeSlot: 'sun-10:00' })).status).toBe(303);
  expect((await admin.get(`/console/schools/${ids.school}/settings`)).html).toMatch(/<option value="sun-10:00" selected>Sunday 10:00 AM<\/option>/);
  expect((await findSchool(app.deps.db, ids.school))!.nudgeSlot).toBe('sun-10:00');
  const bad = await admin.post(`/console/schools/${ids.school}/settings`, { ...form, nudgeSlot: 'mon-03:00' });
  expect(bad.status).toBe(400);
  expect(bad.html).toContain('Must be one of fri-17:00, sat-09:30, sun-10:00.');
  expect((await findSchool(app.deps.db, ids.school))!.nudgeSlot).toBe('sun-10:00');
});
