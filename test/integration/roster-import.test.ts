import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { classes, families, guardians, messages, phones, schools, staff, students, studentGuardians } from '../../db/schema';
import { importRoster } from '../../src/families/roster/import';
import { sendStaffReply } from '../../src/messaging/outbound';
import { getOrCreateConversation } from '../../db/repositories/messages';

/** The whole import, from the fixture district's OneRoster export to welcome texts on the phones. */

const FIXTURES = path.join(__dirname, '../fixtures/roster');
const ONEROSTER = path.join(FIXTURES, 'oneroster');
let app: TestApp;

const run = (file: string, opts: Partial<Parameters<typeof importRoster>[1]> = {}) => importRoster(app.deps, { path: file, ...opts });
const db = () => app.deps.db;
const guardian = (ext: string) => db().select().from(guardians).where(eq(guardians.externalId, ext)).get()!;
const familyIdsOfStudent = (ext: string) => {
  const student = db().select().from(students).where(eq(students.externalId, ext)).get()!;
  const links = db().select().from(studentGuardians).where(eq(studentGuardians.studentId, student.id)).all();
  return [...new Set(links.map((l) => db().select().from(guardians).where(eq(guardians.id, l.guardianId)).get()!.familyId))];
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
  expect(db().select().from(students).all()).toHaveLength(0);
  expect(db().select().from(messages).all()).toHaveLength(0);
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
  expect(db().select().from(schools).all().map((s) => s.timezone)).toEqual(['America/New_York', 'America/New_York']);
  const teacher = db().select().from(staff).where(eq(staff.email, 'marisol.vance@riverbend.example.org')).get()!;
  expect(teacher.role).toBe('teacher');
  expect(db().select().from(classes).all()).toHaveLength(6);
});

test('one number written two ways is one phone and one household', () => {
  expect(guardian('gdn-001').familyId).toBe(guardian('gdn-002').familyId);
  const numbers = db().select().from(phones).where(eq(phones.number, '+15555550142')).all();
  expect(numbers).toHaveLength(2);
  const family = db().select().from(families).where(eq(families.id, guardian('gdn-001').familyId)).get()!;
  expect(family.language).toBe('pt');
});

test('a child whose parents live apart is in two families', () => {
  expect(familyIdsOfStudent('stu-002')).toHaveLength(2);
  expect(guardian('gdn-003').familyId).not.toBe(guardian('gdn-004').familyId);
});

test('a bad number is a row error; its guardian is imported without a phone', () => {
  const dmitri = guardian('gdn-007');
  expect(db().select().from(phones).where(eq(phones.guardianId, dmitri.id)).all()).toHaveLength(0);
});

test('welcome texts: one per new family with a number, in its language, never to the no-contact guardian', async () => {
  const welcomes = db().select().from(messages).where(eq(messages.kind, 'system')).all();
  expect(welcomes.length).toBeGreaterThan(20);
  expect(new Set(welcomes.map((m) => m.toNumber)).size).toBe(welcomes.length);
  const victor = db().select().from(phones).where(eq(phones.guardianId, guardian('gdn-005').id)).get()!;
  expect(welcomes.map((m) => m.toNumber)).not.toContain(victor.number);
  const ribeiro = welcomes.find((m) => m.toNumber === '+15555550142')!;
  expect(ribeiro.language).toBe('pt');
  expect(ribeiro.body).toContain('Mei');
  await waitFor(() => db().select().from(messages).where(eq(messages.id, ribeiro.id)).get()!.status === 'delivered', 20000);
});

test('a no-contact guardian never gets a reply about that child', async () => {
  const familyId = guardian('gdn-005').familyId;
  const family = db().select().from(families).where(eq(families.id, familyId)).get()!;
  const conv = await getOrCreateConversation(db(), { schoolId: family.schoolId, familyId, unmatchedNumber: null }, new Date().toISOString());
  const sent = await sendStaffReply(app.deps, { conversationId: conv.id, staffId: 1, body: 'Reading night is Thursday.' });
  const victor = db().select().from(phones).where(eq(phones.guardianId, guardian('gdn-005').id)).get()!;
  expect(sent.messages.map((m) => m.to)).not.toContain(victor.number);
  expect(sent.messages.length).toBeGreaterThan(0);
});

test('the same export again (as a .zip) changes nothing and welcomes nobody twice', async () => {
  const before = db().select().from(guardians).all();
  const report = await run(path.join(FIXTURES, 'oneroster.zip'));
  for (const entity of ['schools', 'students', 'teachers', 'classes', 'families', 'guardians'] as const) {
    expect(report[entity]).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  }
  expect(report.welcomes.queued).toBe(0);
  expect(db().select().from(guardians).all()).toEqual(before);
});

test('a malformed file fails with a clear message and changes nothing', async () => {
  const count = db().select().from(students).all().length;
  for (const [file, message] of [
    ['missing-column.csv', /missing/i],
    ['latin1.csv', /UTF-8/],
    ['not-csv.csv', /not a CSV|binary|image/i],
    ['unbalanced-quote.csv', /quote/i],
  ] as const) {
    await expect(run(path.join(FIXTURES, 'malformed', file), { format: 'flat', welcome: false })).rejects.toThrow(message);
  }
  expect(db().select().from(students).all()).toHaveLength(count);
});

test('npm run cli -- roster import prints the report; a flat CSV imports into a given school', async () => {
  const cli = promisify(execFile);
  const env = { ...process.env, DATABASE_URL: app.config.databaseUrl, QUEUE_PREFIX: app.config.queuePrefix, LOG_LEVEL: 'silent' };
  const school = db().select().from(schools).where(eq(schools.name, 'Alder Creek Elementary')).get()!;
  const dry = await cli('npx', ['tsx', 'src/cli/main.ts', 'roster', 'import', path.join(FIXTURES, 'flat', 'roster.csv'), '--dry-run', '--format', 'flat'], { env });
  expect(dry.stdout).toMatch(/DRY RUN: nothing was written/);
  expect(dry.stdout).toMatch(/rejected rows: \d+/);
  const bad = await cli('npx', ['tsx', 'src/cli/main.ts', 'roster', 'import', path.join(FIXTURES, 'malformed', 'latin1.csv'), '--no-welcome'], { env }).catch((e) => e);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/UTF-8/);
  expect(school.id).toBeGreaterThan(0);
  expect(db().select().from(students).where(and(eq(students.active, true))).all().length).toBeGreaterThan(0);
});
