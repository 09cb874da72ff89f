import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { writeDelta } from '../helpers/roster';
import { classes, enrollments, families, guardians, messages, phones, schools, staff, students, studentGuardians } from '../../db/schema';
import { importRoster } from '../../src/families/roster/import';
import { readRoster } from '../../src/families/roster/read';
import { syncRoster } from '../../src/families/roster/sync';
import { importTransaction } from '../../db/repositories/roster-transaction';
import { TestClock } from '../helpers/clock';
import { testMeter } from '../helpers/roster';
import { sendStaffReply } from '../../src/messaging/outbound';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { first } from '../../db/query';

/** The whole import, from the fixture district's OneRoster export to welcome texts on the phones. */

const FIXTURES = path.join(__dirname, '../fixtures/roster');
const ONEROSTER = path.join(FIXTURES, 'oneroster');
let app: TestApp;

const run = (file: string, opts: Partial<Parameters<typeof importRoster>[1]> = {}) => importRoster(app.deps, { path: file, scope: { schoolId: null }, ...opts });
const db = () => app.deps.db;
const guardian = async (ext: string) => (await first(db().select().from(guardians).where(eq(guardians.externalId, ext))))!;
const familyIdsOfStudent = async (ext: string) => {
  const rows = await db()
    .selectDistinct({ familyId: guardians.familyId })
    .from(studentGuardians)
    .innerJoin(students, eq(students.id, studentGuardians.studentId))
    .innerJoin(guardians, eq(guardians.id, studentGuardians.guardianId))
    .where(eq(students.externalId, ext))
    .orderBy(guardians.familyId);
  return rows.map((r) => r.familyId);
};

beforeAll(async () => {
  app = await startTestApp('roster-import');
});
afterAll(async () => {
  await app.stop();
});

test('a dry run of the export reports and writes nothing', async () => {
  const report = await run(ONEROSTER, { dryRun: true });
  expect(report.dryRun).toBe(true);
  expect(report.students.created).toBe(59);
  expect(await db().select().from(students)).toHaveLength(0);
  expect(await db().select().from(messages)).toHaveLength(0);
});

test('the OneRoster export imports the whole district in one go', async () => {
  const report = await run(ONEROSTER);
  expect(report.schools.created).toBe(2);
  expect(report.classes.created).toBe(6);
  expect(report.students).toEqual({ created: 59, updated: 0, unchanged: 0, deactivated: 0 });
  expect(report.teachers.created).toBe(6);
  expect(report.errors.map((e) => [e.file, e.line])).toEqual([
    ['users.csv', 8], // a teacher without an email
    ['users.csv', 75], // a number that cannot be one
    ['users.csv', 79], // a language FamilyLine does not know
    ['users.csv', 82], // a link to a student not in the file
  ]);
  expect((await db().select().from(schools)).map((s) => s.timezone)).toEqual(['America/New_York', 'America/New_York']);
  const teacher = (await first(db().select().from(staff).where(eq(staff.email, 'marisol.vance@riverbend.example.org'))))!;
  expect(teacher.role).toBe('teacher');
  expect(await db().select().from(classes)).toHaveLength(6);
});

test('one number written two ways is one phone and one household', async () => {
  expect((await guardian('gdn-001')).familyId).toBe((await guardian('gdn-002')).familyId);
  const numbers = await db().select().from(phones).where(eq(phones.number, '+15555550142'));
  expect(numbers).toHaveLength(2);
  const family = (await first(db().select().from(families).where(eq(families.id, (await guardian('gdn-001')).familyId))))!;
  expect(family.language).toBe('pt');
});

test('a child whose parents live apart is in two families', async () => {
  expect(await familyIdsOfStudent('stu-002')).toHaveLength(2);
  expect((await guardian('gdn-003')).familyId).not.toBe((await guardian('gdn-004')).familyId);
});

test('a bad number is a row error; its guardian is imported without a phone', async () => {
  const dmitri = await guardian('gdn-007');
  expect(await db().select().from(phones).where(eq(phones.guardianId, dmitri.id))).toHaveLength(0);
});

test('welcome texts: one per new family with a number, in its language, never to the no-contact guardian', async () => {
  const welcomes = await db().select().from(messages).where(eq(messages.kind, 'system'));
  expect(welcomes.length).toBeGreaterThan(20);
  expect(new Set(welcomes.map((m) => m.toNumber)).size).toBe(welcomes.length);
  const victor = (await first(db().select().from(phones).where(eq(phones.guardianId, (await guardian('gdn-005')).id))))!;
  expect(welcomes.map((m) => m.toNumber)).not.toContain(victor.number);
  const ribeiro = welcomes.find((m) => m.toNumber === '+15555550142')!;
  expect(ribeiro.language).toBe('pt');
  expect(ribeiro.body).toContain('Mei');
  await waitFor(async () => (await first(db().select().from(messages).where(eq(messages.id, ribeiro.id))))!.status === 'delivered', 20000);
});

test('a no-contact guardian never gets a reply about that child', async () => {
  const familyId = (await guardian('gdn-005')).familyId;
  const family = (await first(db().select().from(families).where(eq(families.id, familyId))))!;
  const conv = await getOrCreateConversation(db(), { schoolId: family.schoolId, familyId, unmatchedNumber: null }, new Date().toISOString());
  const teacher = (await first(db().select().from(staff).where(eq(staff.email, 'marisol.vance@riverbend.example.org'))))!;
  const sent = await sendStaffReply(app.deps, { conversationId: conv.id, staffId: teacher.id, body: 'Reading night is Thursday.' });
  const victor = (await first(db().select().from(phones).where(eq(phones.guardianId, (await guardian('gdn-005')).id))))!;
  expect(sent.messages.map((m) => m.to)).not.toContain(victor.number);
  expect(sent.messages.length).toBeGreaterThan(0);
});

test('the same export again (as a .zip) changes nothing and welcomes nobody twice', async () => {
  const allGuardians = () => db().select().from(guardians).orderBy(guardians.id);
  const before = await allGuardians();
  const report = await run(path.join(FIXTURES, 'oneroster.zip'));
  for (const entity of ['schools', 'students', 'teachers', 'classes', 'families', 'guardians'] as const) {
    expect(report[entity]).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  }
  expect(report.welcomes.queued).toBe(0);
  expect(await allGuardians()).toEqual(before);
});

const STAMP = '2024-09-15T12:00:00.000Z';
const classOf = async (ext: string) => (await first(db().select().from(classes).where(eq(classes.externalId, ext))))!;
const studentOf = async (ext: string) => (await first(db().select().from(students).where(eq(students.externalId, ext))))!;
const enrolled = async (classExt: string, studentExt: string) =>
  (await db().select().from(enrollments).where(and(eq(enrollments.classId, (await classOf(classExt)).id), eq(enrollments.studentId, (await studentOf(studentExt)).id)))).length === 1;
const numbersOf = async (guardianExt: string) => (await db().select().from(phones).where(eq(phones.guardianId, (await guardian(guardianExt)).id))).map((p) => p.number);

test('a delta export (manifest file.users=delta) changes only what it carries, resolving everyone else against FamilyLine', async () => {
  const dir = writeDelta(
    [
      // A new sibling, whose parent (Rosa Delgado) is not in the file: FamilyLine already has her.
      `stu-061,active,${STAMP},true,sch-ac,student,stu-061,Ilse,Delgado,,,,gdn-003,02,`,
      // A new guardian on the Ribeiro household's number, for a child the file does not carry.
      `gdn-091,active,${STAMP},true,sch-ac,parent,gdn-091,Ines,Ribeiro,,(555) 555-0142,,stu-001,,Português`,
      // A new number for Lena Moreau; her row lists no children (the SIS fills the student side only).
      `gdn-006,active,${STAMP},true,sch-ac,parent,gdn-006,Lena,Moreau,,555-204-9999,,,,es`,
      // A student who left.
      `stu-010,tobedeleted,${STAMP},true,sch-ac,student,stu-010,Bruna,Hakimi,,,,,KG,`,
    ],
    [
      `enr-d1,active,${STAMP},cls-ac-2,sch-ac,stu-061,student`,
      // Mei leaves the kindergarten class.
      `enr-stu-001,tobedeleted,${STAMP},cls-ac-k,sch-ac,stu-001,student`,
    ],
  );
  const activeGuardians = async () => (await db().select().from(guardians).where(eq(guardians.active, true))).length;
  const activeStudents = async () => (await db().select().from(students).where(eq(students.active, true))).length;
  const familyCount = async () => (await db().select().from(families)).length;
  const before = { guardians: await activeGuardians(), students: await activeStudents(), families: await familyCount() };
  const ribeiroBefore = await familyIdsOfStudent('stu-001');
  const moreauFamily = (await guardian('gdn-006')).familyId;
  expect(await enrolled('cls-ac-k', 'stu-001')).toBe(true);

  const report = await run(dir);
  expect(report.errors).toEqual([]);
  expect(report.students).toEqual({ created: 1, updated: 0, unchanged: 0, deactivated: 1 });
  expect(report.enrollments).toMatchObject({ added: 1, removed: 1 });
  expect(report.families).toMatchObject({ created: 0, deactivated: 0 });
  expect(report.phones).toMatchObject({ added: 2, removed: 1 }); // Ines's number, and Lena's new one for her old one
  expect(report.welcomes.queued).toBe(0); // no new family, and the Ribeiro number was welcomed already

  // Nobody the file leaves out is deactivated: only the student it marks.
  expect(await activeStudents()).toBe(before.students); // one in, one out
  expect(await activeGuardians()).toBe(before.guardians + 1);
  expect(await familyCount()).toBe(before.families);
  // The sibling joins Rosa's family, and is in the class the delta names; Mei left hers.
  expect(await familyIdsOfStudent('stu-061')).toEqual([(await guardian('gdn-003')).familyId]);
  expect(await enrolled('cls-ac-2', 'stu-061')).toBe(true);
  expect(await enrolled('cls-ac-k', 'stu-001')).toBe(false);
  // One number is one household: Ines joins the stored Ribeiro family, whose links all stay.
  expect((await guardian('gdn-091')).familyId).toBe((await guardian('gdn-001')).familyId);
  expect(await familyIdsOfStudent('stu-001')).toEqual(ribeiroBefore);
  expect(await numbersOf('gdn-091')).toEqual(['+15555550142']);
  // Lena has her new number, and keeps her family and her child.
  expect(await numbersOf('gdn-006')).toEqual(['+15552049999']);
  expect((await guardian('gdn-006')).familyId).toBe(moreauFamily);
  expect(await familyIdsOfStudent('stu-004')).toContain(moreauFamily);
  // The student who left is kept, inactive, with their links (history stays).
  expect((await studentOf('stu-010')).active).toBe(false);
  expect(await familyIdsOfStudent('stu-010')).toHaveLength(1);

  // The same delta again changes nothing.
  const again = await run(dir);
  rmSync(dir, { recursive: true, force: true });
  expect(again.errors).toEqual([]);
  expect(again.students).toEqual({ created: 0, updated: 0, unchanged: 2, deactivated: 0 });
  for (const entity of ['families', 'guardians'] as const) expect(again[entity]).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  expect(again.studentGuardians).toMatchObject({ added: 0, removed: 0, updated: 0 });
  expect(again.enrollments).toMatchObject({ added: 0, removed: 0 });
  expect(again.phones).toMatchObject({ added: 0, removed: 0 });
});

test('a delta holding a guardian who left deactivates that guardian, in their own school', async () => {
  const dir = writeDelta([
    `gdn-015,tobedeleted,${STAMP},true,sch-bh,guardian,gdn-015,Keiko,Hakimi,,555.213.3487,,,,`,
    // A school nobody has heard of: the row is rejected, the rest goes on.
    `stu-062,active,${STAMP},true,sch-zz,student,stu-062,Ayo,Mbeki,,,,,03,`,
  ]);
  const activeGuardians = async () => (await db().select().from(guardians).where(eq(guardians.active, true))).length;
  const active = await activeGuardians();
  const report = await run(dir);
  rmSync(dir, { recursive: true, force: true });
  expect(report.errors).toEqual([{ file: 'users.csv', line: 3, kind: 'unknown_reference', reason: 'student stu-062: school "sch-zz" is neither in the file nor in FamilyLine' }]);
  expect(report.students).toMatchObject({ created: 0 });
  expect(report.guardians).toMatchObject({ created: 0, updated: 0, deactivated: 1 });
  expect((await guardian('gdn-015')).active).toBe(false);
  expect(await activeGuardians()).toBe(active - 1);
});

test('a malformed file fails with a clear message and changes nothing', async () => {
  const studentCount = async () => (await db().select().from(students)).length;
  const count = await studentCount();
  for (const [file, message] of [
    ['missing-column.csv', /missing/i],
    ['latin1.csv', /UTF-8/],
    ['not-csv.csv', /not a CSV|binary|image/i],
    ['unbalanced-quote.csv', /quote/i],
  ] as const) {
    await expect(run(path.join(FIXTURES, 'malformed', file), { format: 'flat', welcome: false })).rejects.toThrow(message);
  }
  expect(await studentCount()).toBe(count);
});

test('an import past ROSTER_MAX_SECONDS stops between the steps of its sync and changes nothing', async () => {
  const clock = new TestClock();
  const meter = testMeter({ maxSeconds: 60 }, clock);
  const staged = await readRoster(path.join(FIXTURES, 'flat', 'roster.csv'), { format: 'flat', meter });
  const tables = async () => ({ schools: await db().select().from(schools).orderBy(schools.id), students: await db().select().from(students).orderBy(students.id) });
  const before = await tables();
  let steps = 0;
  // The time runs out during the third step: the sync stops at the next check, whatever it has written.
  const checkpoint = () => {
    if (++steps === 3) clock.advance(61_000);
    meter.checkTime();
  };
  try {
    await expect(
      importTransaction(db(), staged.stage, false, (tx) =>
        syncRoster(tx, staged, { scope: { schoolId: null }, timezone: 'America/New_York', from: null, now: new Date(clock.now()).toISOString(), welcome: false, checkpoint }, false),
      ),
    ).rejects.toThrow(/^The import ran longer than 60 seconds \(ROSTER_MAX_SECONDS\) and was stopped; nothing was changed/);
  } finally {
    staged.stage.dispose();
  }
  expect(steps).toBe(3);
  expect(await tables()).toEqual(before); // the flat file's two schools were created, then rolled back
});

test('npm run cli -- roster import prints the report; a flat CSV imports into a given school', async () => {
  const cli = promisify(execFile);
  const env = { ...process.env, DATABASE_URL: app.config.databaseUrl, QUEUE_PREFIX: app.config.queuePrefix, LOG_LEVEL: 'silent' };
  const school = (await first(db().select().from(schools).where(eq(schools.name, 'Alder Creek Elementary'))))!;
  const dry = await cli('npx', ['tsx', 'src/cli/main.ts', 'roster', 'import', path.join(FIXTURES, 'flat', 'roster.csv'), '--dry-run', '--format', 'flat'], { env });
  expect(dry.stdout).toMatch(/DRY RUN: nothing was written/);
  expect(dry.stdout).toMatch(/rejected rows: \d+/);
  const bad = await cli('npx', ['tsx', 'src/cli/main.ts', 'roster', 'import', path.join(FIXTURES, 'malformed', 'latin1.csv'), '--no-welcome'], { env }).catch((e) => e);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/UTF-8/);
  expect(school.id).toBeGreaterThan(0);
  expect((await db().select().from(students).where(eq(students.active, true))).length).toBeGreaterThan(0);
  // Two CLI processes, each compiling the CLI on start (tsx): seconds apiece on a busy machine.
}, 120_000);
