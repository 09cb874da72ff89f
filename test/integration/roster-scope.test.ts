import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { and, eq, inArray, or } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { oneRosterDelta, writeBundle } from '../helpers/roster';
import { zip } from '../fixtures/roster/zip-writer';
import { classes, classTeachers, enrollments, families, guardians, phones, schools, staff, students, studentGuardians } from '../../db/schema';
import { addStaffWithToken } from '../../src/staff/accounts';
import { first } from '../../db/query';

/**
 * A roster import acts only inside the schools its caller administers. The attack as it was
 * reported: the fixture district is imported, then Alder Creek's admin uploads a delta naming
 * Birch Hill's students, classes, enrollments, guardians and staff, and admins' emails.
 */

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'roster');
const clock = new TestClock('2026-11-18T15:00:00Z');
let app: TestApp;
let alderCreek: number;
let birchHill: number;
const tokens = { district: '', adminAC: '', adminBH: '', marisol: '' };
const EMAIL = { district: 'district.office@riverbend.example.org', adminBH: 'principal.bh@riverbend.example.org', newTeacher: 'ines.okoye@riverbend.example.org' };

const STAMP = '2026-11-17T12:00:00.000Z';
interface User { id: string; role: string; org: string; first: string; last: string; email?: string; sms?: string; agents?: string; grade?: string; enabled?: boolean; status?: string }
const user = (u: User) =>
  [u.id, u.status ?? 'active', STAMP, u.enabled === false ? 'false' : 'true', u.org, u.role, u.id, u.first, u.last, u.email ?? '', u.sms ?? '', '', u.agents ?? '', u.grade ?? '', ''].join(',');
const enrollment = (status: string, classId: string, userId: string, role: string) => `enr-${classId}-${userId},${status},${STAMP},${classId},sch-ac,${userId},${role}`;

/** Every row that reaches into Birch Hill or at an admin, and three that are Alder Creek's own. */
const ATTACK = oneRosterDelta({
  users: [
    /* 2 */ user({ id: 'stu-041', role: 'student', org: 'sch-ac', first: 'Vera', last: 'Abernathy', grade: '07', enabled: false }),
    /* 3 */ user({ id: 'gdn-055', role: 'parent', org: 'sch-ac', first: 'Someone', last: 'Else', sms: '+1 555-299-0001' }),
    /* 4 */ user({ id: 'gdn-042', role: 'parent', org: 'sch-ac', first: 'Ilsa', last: 'Rasmussen', sms: '+1 555-299-0002' }), // a parent in both schools
    /* 5 */ user({ id: 'tch-x1', role: 'teacher', org: 'sch-ac', first: 'Gone', last: 'Away', email: EMAIL.district, enabled: false }),
    /* 6 */ user({ id: 'tch-x2', role: 'teacher', org: 'sch-ac', first: 'Renamed', last: 'Principal', email: EMAIL.adminBH }),
    /* 7 */ user({ id: 'tch-4', role: 'teacher', org: 'sch-ac', first: 'Rafael', last: 'Lindqvist', email: 'rafael.lindqvist@riverbend.example.org', enabled: false }),
    /* 8 */ user({ id: 'tch-8', role: 'teacher', org: 'sch-ac', first: 'Ines', last: 'Okoye', email: EMAIL.newTeacher }),
    /* 9 */ user({ id: 'tch-6', role: 'teacher', org: 'sch-ac', first: 'Not', last: 'Tobias', email: 'not.tobias@riverbend.example.org' }),
    /* 10 */ user({ id: 'gdn-900', role: 'parent', org: 'sch-ac', first: 'New', last: 'Parent', sms: '+1 555-299-0003', agents: 'stu-042' }),
    /* 11 */ user({ id: 'stu-011', role: 'student', org: 'sch-ac', first: 'Farida', last: 'Ferreira-Lopes', grade: '02' }),
  ],
  classes: [
    /* 2 */ `cls-bh-6,active,${STAMP},Math 6 (moved),06,sch-ac,Mathematics`,
    /* 3 */ `cls-bh-8,tobedeleted,${STAMP},Science 8,08,sch-ac,Science`,
  ],
  enrollments: [
    /* 2 */ enrollment('tobedeleted', 'cls-bh-6', 'stu-032', 'student'),
    /* 3 */ enrollment('active', 'cls-bh-7', 'tch-1', 'teacher'),
    /* 4 */ enrollment('active', 'cls-ac-k', 'stu-043', 'student'),
    /* 5 */ enrollment('active', 'cls-ac-2', 'tch-4', 'teacher'),
    /* 6 */ enrollment('active', 'cls-ac-2', 'tch-8', 'teacher'),
  ],
});

/** What the report must say about the attack, row by row: every other row imports. */
const ADMIN = /is an admin account, which a roster import never changes/;
const EXPECTED_REJECTIONS: [file: string, line: number, reason: RegExp][] = [
  ['classes.csv', 2, /^class cls-bh-6 belongs to another school/],
  ['classes.csv', 3, /^class cls-bh-8 belongs to another school/],
  ['enrollments.csv', 2, /^enrollment of student stu-032 in class cls-bh-6: class cls-bh-6 belongs to another school/],
  ['enrollments.csv', 3, /^enrollment of teacher tch-1 in class cls-bh-7: class cls-bh-7 belongs to another school/],
  ['enrollments.csv', 4, /^enrollment of student stu-043 in class cls-ac-k: student stu-043 belongs to another school/],
  ['enrollments.csv', 5, /^enrollment of teacher tch-4 in class cls-ac-2: teacher tch-4 belongs to another school/],
  ['users.csv', 2, /^student stu-041 belongs to another school/],
  ['users.csv', 3, /^guardian gdn-055 belongs to another school/],
  ['users.csv', 5, new RegExp(`^teacher tch-x1 \\(${EMAIL.district}\\) ${ADMIN.source}`)],
  ['users.csv', 6, new RegExp(`^teacher tch-x2 \\(${EMAIL.adminBH}\\) ${ADMIN.source}`)],
  ['users.csv', 7, /^teacher tch-4 \(rafael\.lindqvist@riverbend\.example\.org\) belongs to another school/],
  ['users.csv', 9, /^teacher tch-6 \(not\.tobias@riverbend\.example\.org\) belongs to another school/],
  ['users.csv', 10, /^link between guardian "gdn-900" and student "stu-042": student stu-042 belongs to another school/],
  // With its only link refused, the new guardian has no child in Alder Creek.
  ['users.csv', 10, /^guardian gdn-900 is linked to no student/],
];

function expectRejections(errors: { file: string; line: number; reason: string }[]) {
  expect(errors.map((e) => [e.file, e.line])).toEqual(EXPECTED_REJECTIONS.map(([file, line]) => [file, line]));
  errors.forEach((e, i) => expect(e.reason).toMatch(EXPECTED_REJECTIONS[i][2]));
}

const db = () => app.deps.db;
const byId = <T extends { id: number }>(rows: T[]) => [...rows].sort((a, b) => a.id - b.id);
const pairs = <T extends object>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();

/** Every row that belongs to a school: its people, classes, families, numbers, links and rosters. */
async function schoolRows(schoolId: number) {
  const studentIds = (await db().select({ id: students.id }).from(students).where(eq(students.schoolId, schoolId))).map((r) => r.id);
  const classIds = (await db().select({ id: classes.id }).from(classes).where(eq(classes.schoolId, schoolId))).map((r) => r.id);
  const guardianIds = (await db().select({ id: guardians.id }).from(guardians).where(eq(guardians.schoolId, schoolId))).map((r) => r.id);
  return {
    students: byId(await db().select().from(students).where(eq(students.schoolId, schoolId))),
    classes: byId(await db().select().from(classes).where(eq(classes.schoolId, schoolId))),
    families: byId(await db().select().from(families).where(eq(families.schoolId, schoolId))),
    guardians: byId(await db().select().from(guardians).where(eq(guardians.schoolId, schoolId))),
    phones: byId(await db().select().from(phones).where(inArray(phones.guardianId, guardianIds))),
    links: pairs(await db().select().from(studentGuardians).where(or(inArray(studentGuardians.guardianId, guardianIds), inArray(studentGuardians.studentId, studentIds)))),
    enrollments: pairs(await db().select().from(enrollments).where(or(inArray(enrollments.classId, classIds), inArray(enrollments.studentId, studentIds)))),
    classTeachers: pairs(await db().select().from(classTeachers).where(inArray(classTeachers.classId, classIds))),
  };
}
const childrenOf = (families: { students: { id: number }[] }[]) => [...new Set(families.flatMap((f) => f.students.map((s) => s.id)))].sort((a, b) => a - b);
const staffRows = async () => byId(await db().select().from(staff));
const student = async (ext: string) => (await first(db().select().from(students).where(eq(students.externalId, ext))))!;
const guardianIn = async (schoolId: number, ext: string) =>
  (await first(db().select().from(guardians).where(and(eq(guardians.schoolId, schoolId), eq(guardians.externalId, ext)))))!;

async function api(who: keyof typeof tokens, url: string) {
  const res = await fetch(`${app.url}/api/v1${url}`, { headers: { authorization: `Bearer ${tokens[who]}` } });
  return { status: res.status, json: await res.json() };
}

/** Uploads as a browser's FormData does, then waits for the queued import to finish. */
async function importAs(who: keyof typeof tokens, file: { name: string; bytes: Buffer | string }, fields: Record<string, string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([typeof file.bytes === 'string' ? file.bytes : new Uint8Array(file.bytes)]), file.name);
  const res = await fetch(`${app.url}/api/v1/roster/imports`, { method: 'POST', headers: { authorization: `Bearer ${tokens[who]}` }, body: form });
  expect(res.status).toBe(202);
  const { id } = await res.json();
  const done = await waitFor(async () => {
    const { json } = await api(who, `/roster/imports/${id}`);
    return json.status === 'succeeded' || json.status === 'failed' ? json : null;
  }, 20000);
  expect(done).toMatchObject({ status: 'succeeded', error: null });
  return done.report;
}

const zipped = (files: Record<string, string>) => zip(Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text, 'utf8') })));

beforeAll(async () => {
  app = await startTestApp('roster-scope', { clock });
  const now = new Date(clock.now()).toISOString();
  tokens.district = (await addStaffWithToken(db(), { email: EMAIL.district, role: 'district_admin' }, now)).token;
  const district = await importAs('district', { name: 'oneroster.zip', bytes: fs.readFileSync(path.join(FIXTURES, 'oneroster.zip')) }, { welcome: 'false' });
  expect(district.schools.created).toBe(2);
  const schoolId = async (ext: string) => (await first(db().select().from(schools).where(eq(schools.externalId, ext))))!.id;
  alderCreek = await schoolId('sch-ac');
  birchHill = await schoolId('sch-bh');
  tokens.adminAC = (await addStaffWithToken(db(), { email: 'principal.ac@riverbend.example.org', role: 'school_admin', schoolId: alderCreek }, now)).token;
  tokens.adminBH = (await addStaffWithToken(db(), { email: EMAIL.adminBH, role: 'school_admin', schoolId: birchHill, name: 'Imani Brookes' }, now)).token;
  tokens.marisol = (await addStaffWithToken(db(), { email: 'marisol.vance@riverbend.example.org' }, now)).token; // tch-1, Alder Creek
});

afterAll(async () => {
  await app.stop();
});

test("a school admin's upload naming another school's rows is refused row by row, and that school is untouched", async () => {
  const birchHillBefore = await schoolRows(birchHill);
  const staffBefore = await staffRows();
  const marisolBefore = (await api('marisol', '/families?limit=500')).json.items;
  expect(marisolBefore.length).toBeGreaterThan(0);

  const report = await importAs('adminAC', { name: 'changes.zip', bytes: zipped(ATTACK) }, { schoolId: String(alderCreek), welcome: 'false' });
  expectRejections(report.errors);

  // Nothing of Birch Hill's moved, changed, left a class or joined one.
  expect(await schoolRows(birchHill)).toEqual(birchHillBefore);
  // No account but the new Alder Creek teacher's changed: no role, name, external id or switch.
  const staffAfter = await staffRows();
  expect(staffAfter.filter((s) => s.email !== EMAIL.newTeacher)).toEqual(staffBefore);
  expect(staffAfter.find((s) => s.email === EMAIL.newTeacher)).toMatchObject({ role: 'teacher', schoolId: alderCreek, externalId: 'tch-8', active: true });
  for (const who of ['district', 'adminBH'] as const) expect((await api(who, '/schools')).status).toBe(200);
  // An Alder Creek teacher still reaches exactly the families of her own class's children.
  const marisolAfter = (await api('marisol', '/families?limit=500')).json.items;
  expect(marisolAfter.every((f: any) => f.schoolId === alderCreek)).toBe(true);
  expect(childrenOf(marisolAfter)).toEqual(childrenOf(marisolBefore));

  // Alder Creek's own rows imported: a renamed student, its record of a parent both schools share, a new teacher in a class.
  expect(report.students).toMatchObject({ created: 0, updated: 1, deactivated: 0 });
  expect((await student('stu-011')).lastName).toBe('Ferreira-Lopes');
  expect((await guardianIn(alderCreek, 'gdn-042')).firstName).toBe('Ilsa');
  expect((await guardianIn(birchHill, 'gdn-042')).firstName).toBe('Ilse');
  expect(report.classTeachers).toMatchObject({ added: 1, removed: 0 });
});

test('the CLI with --school acts like that school\'s admin', async () => {
  const dir = writeBundle(ATTACK);
  const birchHillBefore = await schoolRows(birchHill);
  const staffBefore = await staffRows();
  const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli/main.ts', 'roster', 'import', dir, '--school', String(alderCreek), '--no-welcome'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: app.config.databaseUrl, QUEUE_PREFIX: app.config.queuePrefix, LOG_LEVEL: 'silent' },
    timeout: 60_000,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const printed = stdout.split('\n').filter((l) => /^ {2}\S+\.csv:\d+: /.test(l));
  expect(printed).toHaveLength(EXPECTED_REJECTIONS.length);
  printed.forEach((l, i) => {
    const [file, line, reason] = EXPECTED_REJECTIONS[i];
    expect(l.slice(2, l.indexOf(': '))).toBe(`${file}:${line}`);
    expect(l.slice(l.indexOf(': ') + 2)).toMatch(reason);
  });
  expect(await schoolRows(birchHill)).toEqual(birchHillBefore);
  expect(await staffRows()).toEqual(staffBefore);
  for (const who of ['district', 'adminBH'] as const) expect((await api(who, '/schools')).status).toBe(200);
}, 90_000); // a CLI process of its own, on a machine other test files share

test("a flat file into one school refuses another school's student and an admin's email as its teacher", async () => {
  const flat = [
    'student_id,student_first_name,student_last_name,grade,school,class,teacher_email,guardian_id,guardian_first_name,guardian_last_name,guardian_phone,guardian_language,relationship,may_contact',
    's-ac-1,Amaru,Galloway,2,Alder Creek Elementary,Grade 2,marisol.vance@riverbend.example.org,g-ac-1,Rosa,Galloway,+1 555-298-0001,es,mother,true',
    'stu-045,Cosmin,Zamora,7,Alder Creek Elementary,,,g-ac-2,Ana,Zamora,+1 555-298-0002,es,mother,true',
    `s-ac-2,Bruna,Lavoie,2,Alder Creek Elementary,Grade 2b,${EMAIL.adminBH},g-ac-3,Luca,Lavoie,+1 555-298-0003,en,father,true`,
  ].join('\n');
  const report = await importAs('adminAC', { name: 'families.csv', bytes: flat }, { schoolId: String(alderCreek), dryRun: 'true', welcome: 'false' });
  expect(report.errors.map((e: any) => [e.line, e.reason])).toEqual([
    [3, expect.stringMatching(/^student stu-045 belongs to another school/)],
    [3, expect.stringMatching(/^link between guardian "g-ac-2" and student "stu-045": student stu-045 belongs to another school/)],
    [4, expect.stringMatching(new RegExp(`^teacher ${EMAIL.adminBH} \\(${EMAIL.adminBH}\\) ${ADMIN.source}`))],
    [4, expect.stringMatching(new RegExp(`^enrollment of teacher ${EMAIL.adminBH} in class Alder Creek Elementary/Grade 2b: teacher ${EMAIL.adminBH} ${ADMIN.source}`))],
    [3, expect.stringMatching(/^guardian g-ac-2 is linked to no student/)],
  ].sort((a, b) => (a[0] as number) - (b[0] as number)));
  expect(report.students).toMatchObject({ created: 2, updated: 0 });
});

test('only a district-wide import moves a student between schools, and it too never changes an admin', async () => {
  const staffBefore = await staffRows();
  const move = zipped(oneRosterDelta({
    users: [
      user({ id: 'stu-041', role: 'student', org: 'sch-ac', first: 'Vera', last: 'Abernathy', grade: '07' }),
      user({ id: 'tch-x2', role: 'teacher', org: 'sch-ac', first: 'Renamed', last: 'Principal', email: EMAIL.adminBH }),
    ],
  }));
  // A district admin importing into one school acts like that school's admin.
  const oneSchool = await importAs('district', { name: 'changes.zip', bytes: move }, { schoolId: String(alderCreek), welcome: 'false' });
  expect(oneSchool.errors.map((e: any) => [e.line, e.reason])).toEqual([
    [2, expect.stringMatching(/^student stu-041 belongs to another school/)],
    [3, expect.stringMatching(ADMIN)],
  ]);
  expect((await student('stu-041')).schoolId).toBe(birchHill);

  const report = await importAs('district', { name: 'changes.zip', bytes: move }, { welcome: 'false' });
  expect(report.errors).toEqual([{ file: 'users.csv', line: 3, kind: 'admin_account', reason: expect.stringMatching(new RegExp(`^teacher tch-x2 \\(${EMAIL.adminBH}\\) ${ADMIN.source}`)) }]);
  expect(report.students).toMatchObject({ updated: 1 });
  expect(await student('stu-041')).toMatchObject({ schoolId: alderCreek, active: true });
  expect(await staffRows()).toEqual(staffBefore);
  expect((await api('adminBH', '/schools')).status).toBe(200);
});
