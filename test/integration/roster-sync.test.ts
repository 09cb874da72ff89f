import { eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { conversations, families, guardians, messages, optOuts, phones, students, studentGuardians, welcomes } from '../../db/schema';
import { importTransaction } from '../../db/repositories/roster-transaction';
import { first } from '../../db/query';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { syncRoster } from '../../src/families/roster/sync';
import { welcomeFamilies } from '../../src/families/roster/welcome';
import type { RosterSnapshot } from '../../src/families/roster/model';
import { stageSnapshot } from '../helpers/roster';

/** The sync on its own, fed records staged here: a re-import is a sync, not an append. */

let app: TestApp;
let line = 1;
const src = () => ({ file: 'users.csv', line: ++line });

interface Kid { id: string; first: string; grade?: string; active?: boolean }
interface Adult { id: string; first: string; last: string; phone?: string | null; lang?: string | null; kids: string[]; noContact?: boolean; active?: boolean }

function snapshot(kids: Kid[], adults: Adult[]): RosterSnapshot {
  return {
    format: 'oneroster',
    schools: [{ externalId: 'sch-1', name: 'Cedar Grove Elementary', src: src() }],
    students: kids.map((k) => ({ externalId: k.id, schoolExternalId: 'sch-1', firstName: k.first, lastName: 'Student', grade: k.grade ?? '3', active: k.active ?? true, src: src() })),
    guardians: adults.map((a) => ({
      externalId: a.id, firstName: a.first, lastName: a.last, phone: a.phone ?? null, language: a.lang ?? null, household: null, relationship: 'parent', active: a.active ?? true, src: src(),
    })),
    links: adults.flatMap((a) => a.kids.map((k) => ({ studentExternalId: k, guardianExternalId: a.id, relationship: 'parent', mayContact: !a.noContact, src: src() }))),
    teachers: [],
    classes: [],
    enrollments: [],
    errors: [],
    complete: { schools: true, students: true, guardians: true, teachers: true, classes: true, enrollments: true },
  };
}

const KIDS: Kid[] = [
  { id: 'k1', first: 'Maya' },
  { id: 'k2', first: 'Leo' },
  { id: 'k3', first: 'Ines' },
  { id: 'k4', first: 'Omar' },
];
const ADULTS: Adult[] = [
  { id: 'a1', first: 'Rosa', last: 'Diaz', phone: '(555) 555-0101', lang: 'es', kids: ['k1', 'k2'] },
  { id: 'a2', first: 'Luis', last: 'Diaz', phone: '+1 555-555-0101', lang: 'es', kids: ['k1'] }, // same number, written another way
  { id: 'a3', first: 'Joana', last: 'Costa', phone: '555-555-0103', lang: 'pt', kids: ['k3'] },
  { id: 'a4', first: 'Paulo', last: 'Costa', phone: '555-555-0104', lang: 'pt', kids: ['k3', 'k4'] }, // apart from Joana, another child
  { id: 'a5', first: 'Sam', last: 'Reed', phone: '555-555-0105', kids: ['k4'], noContact: true },
  { id: 'a6', first: 'Kim', last: 'Lee', phone: '12345', kids: ['k2'] },
];

async function sync(snap: RosterSnapshot, dryRun = false) {
  const staged = stageSnapshot(snap);
  try {
    return await importTransaction(app.deps.db, staged.stage, dryRun, (tx) =>
      syncRoster(tx, staged, { scope: { schoolId: null }, timezone: 'America/New_York', from: null, now: new Date(app.deps.clock.now()).toISOString(), welcome: true }, dryRun),
    );
  } finally {
    staged.stage.dispose();
  }
}

const db = () => app.deps.db;
const guardian = async (ext: string) => (await first(db().select().from(guardians).where(eq(guardians.externalId, ext))))!;
const familyOf = async (guardianExt: string) => (await guardian(guardianExt)).familyId;
const familyRow = async (id: number) => (await first(db().select().from(families).where(eq(families.id, id))))!;
const snapshotOfTables = async () => ({
  students: await db().select().from(students).orderBy(students.id),
  guardians: await db().select().from(guardians).orderBy(guardians.id),
  families: await db().select().from(families).orderBy(families.id),
  phones: await db().select().from(phones).orderBy(phones.id),
  links: await db().select().from(studentGuardians).orderBy(studentGuardians.guardianId, studentGuardians.studentId),
});

beforeAll(async () => {
  app = await startTestApp('roster-sync');
});
afterAll(async () => {
  await app.stop();
});

test('a dry run reports exactly what the real run does, and writes nothing', async () => {
  const snap = snapshot(KIDS, ADULTS);
  const dry = await sync(snap, true);
  expect((await snapshotOfTables()).students).toHaveLength(0);
  const real = await sync(snap);
  expect({ ...real.report, dryRun: true }).toEqual(dry.report);
  expect(real.report.students).toEqual({ created: 4, updated: 0, unchanged: 0, deactivated: 0 });
  expect(real.newFamilyIds).toHaveLength(real.report.families.created);
});

test('households: a shared number is one family; parents apart are two, the child in both', async () => {
  expect(await familyOf('a1')).toBe(await familyOf('a2'));
  expect(await familyOf('a3')).not.toBe(await familyOf('a4'));
  const diaz = await db().select().from(phones).where(eq(phones.number, '+15555550101'));
  expect(diaz).toHaveLength(2); // one row per guardian, one number
  const ines = (await first(db().select().from(students).where(eq(students.externalId, 'k3'))))!;
  const inesLinks = await db().select().from(studentGuardians).where(eq(studentGuardians.studentId, ines.id));
  const inesFamilies = new Set(await Promise.all(inesLinks.map(async (l) => (await first(db().select().from(guardians).where(eq(guardians.id, l.guardianId))))!.familyId)));
  expect(inesFamilies.size).toBe(2);
  const costa = await familyRow(await familyOf('a3'));
  expect(costa.language).toBe('pt');
});

test('a bad number is a row error and the guardian still imports, without a phone', async () => {
  const { report } = await sync(snapshot(KIDS, ADULTS), true);
  expect(report.errors).toEqual([expect.objectContaining({ file: 'users.csv', reason: expect.stringContaining('"12345" is not a phone number') })]);
  const kim = await guardian('a6');
  expect(await db().select().from(phones).where(eq(phones.guardianId, kim.id))).toHaveLength(0);
});

test('the same file twice changes nothing: same ids, same createdAt', async () => {
  const before = await snapshotOfTables();
  app.deps.clock.now = () => Date.parse('2026-11-19T15:00:00Z');
  const { report, newFamilyIds } = await sync(snapshot(KIDS, ADULTS));
  expect(newFamilyIds).toEqual([]);
  for (const entity of ['students', 'guardians', 'families'] as const) {
    expect(report[entity]).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  }
  expect(report.studentGuardians).toMatchObject({ added: 0, removed: 0, updated: 0 });
  expect(await snapshotOfTables()).toEqual(before);
});

test('a changed file updates names, grades, numbers, languages and links; a missing person is deactivated, never deleted', async () => {
  const kids = KIDS.filter((k) => k.id !== 'k2').map((k) => (k.id === 'k1' ? { ...k, grade: '4' } : k));
  const adults = ADULTS.filter((a) => a.id !== 'a6').map((a) =>
    a.id === 'a3' ? { ...a, phone: '555-555-0133', first: 'Joanna' } : a.id === 'a1' ? { ...a, kids: ['k1'] } : a.id === 'a5' ? { ...a, noContact: false } : a,
  );
  const convBefore = (await db().select().from(conversations)).length;
  const { report } = await sync(snapshot(kids, adults));
  expect(report.students).toMatchObject({ updated: 1, deactivated: 1 });
  expect(report.guardians).toMatchObject({ updated: 1, deactivated: 1 });
  expect(report.phones).toMatchObject({ added: 1, removed: 1 });
  expect(report.studentGuardians).toMatchObject({ removed: 1, updated: 1 });
  const leo = (await first(db().select().from(students).where(eq(students.externalId, 'k2'))))!;
  expect(leo.active).toBe(false);
  expect((await guardian('a6')).active).toBe(false);
  expect(await db().select().from(conversations)).toHaveLength(convBefore);
});

test("a family's own language choice and an opt-out by text survive a re-import", async () => {
  const diazFamily = await familyOf('a1');
  await db().update(families).set({ language: 'en', languageSource: 'text' }).where(eq(families.id, diazFamily));
  await db().insert(optOuts).values({ phoneNumber: '+15555550104', sendingNumber: app.config.twilio.from!, since: '2026-11-18T00:00:00Z', source: 'keyword', keyword: 'STOP' });
  await sync(snapshot(KIDS, ADULTS));
  expect((await familyRow(diazFamily)).language).toBe('en');
  expect(await db().select().from(optOuts).where(eq(optOuts.phoneNumber, '+15555550104'))).toHaveLength(1);
});

test('welcome: one text per new family in its language, never twice to one phone, not after a re-import', async () => {
  const welcomeDeps = { ...app.deps };
  const firstRun = await welcomeFamilies(welcomeDeps);
  const sent = await db().select().from(messages).where(eq(messages.kind, 'system'));
  expect(sent.length).toBe(firstRun);
  const numbers = sent.map((m) => m.toNumber);
  expect(new Set(numbers).size).toBe(numbers.length);
  expect(numbers).not.toContain('+15555550105'); // Sam's only link is under a no-contact order
  const spanish = sent.find((m) => m.toNumber === '+15555550101')!;
  expect(spanish.language).toBe('en'); // the Diaz family switched to English by text
  const pt = sent.find((m) => m.toNumber === '+15555550103')!;
  expect(pt.body).toMatch(/Vamos escrever sobre Ines/);
  expect(await welcomeFamilies(welcomeDeps)).toBe(0);
  await sync(snapshot(KIDS, ADULTS));
  expect(await welcomeFamilies(welcomeDeps)).toBe(0);
  expect(await db().select().from(welcomes)).toHaveLength(firstRun);
  await waitFor(async () => (await first(db().select().from(messages).where(eq(messages.id, pt.id))))!.status === 'delivered');
});

test('a guardian who moves out leaves the family, its id and its conversation with those who stay', async () => {
  const kids: Kid[] = [...KIDS, { id: 'k5', first: 'Nia' }, { id: 'k6', first: 'Teo' }];
  const parks: Adult[] = [
    { id: 'b1', first: 'Ada', last: 'Park', phone: '555-555-0161', kids: ['k5'] },
    { id: 'b2', first: 'Ben', last: 'Park', phone: '555-555-0161', kids: ['k5'] },
    { id: 'b3', first: 'Cy', last: 'Park', phone: '555-555-0161', kids: ['k5'] },
  ];
  await sync(snapshot(kids, [...ADULTS, ...parks]));
  const park = await familyOf('b2');
  expect([await familyOf('b1'), await familyOf('b3')]).toEqual([park, park]);
  const conv = await getOrCreateConversation(db(), { schoolId: (await familyRow(park)).schoolId, familyId: park, unmatchedNumber: null }, new Date(app.deps.clock.now()).toISOString());

  // Ada moves out: her own number, and a child of her new household besides Nia.
  const { report } = await sync(snapshot(kids, [...ADULTS, { ...parks[0], phone: '555-555-0164', kids: ['k5', 'k6'] }, parks[1], parks[2]]));
  expect(report.families).toMatchObject({ created: 1, deactivated: 0 });
  expect([await familyOf('b2'), await familyOf('b3')]).toEqual([park, park]);
  expect(await familyOf('b1')).not.toBe(park);
  expect((await first(db().select().from(conversations).where(eq(conversations.id, conv.id))))!.familyId).toBe(park);
  expect((await familyRow(park)).active).toBe(true);
});
