import { rmSync } from 'node:fs';
import path from 'node:path';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { csvLine, DELTA_USERS_HEADER, ENROLLMENTS_HEADER, extendExport, writeDelta } from '../helpers/roster';
import { conversations, families, guardians, messages, phones, schools } from '../../db/schema';
import { importRoster } from '../../src/families/roster/import';
import { addStaffWithToken } from '../../src/staff/accounts';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { first } from '../../db/query';

/**
 * Families are who a school texts and whose replies it reads: an import must not move people it
 * does not name, and a re-import of the same people must keep every family, id and conversation.
 * Marco Quintero (gdn-004) of the fixture district has a child at each school, so he heads one
 * family in each; Rosa Delgado (gdn-003) shares his Alder Creek child, and only that one.
 */

const ONEROSTER = path.join(__dirname, '../fixtures/roster/oneroster');
const STAMP = '2024-09-20T12:00:00.000Z';
const ROSA = '+15552003939';
const MARCO = '+15552022701';
/** One new student and her guardian at Alder Creek, related to nobody the district already has. */
const NEWCOMERS: Record<'users' | 'enrollments', Record<string, string>[]> = {
  users: [
    { sourcedId: 'stu-063', status: 'active', dateLastModified: STAMP, enabledUser: 'true', orgSourcedIds: 'sch-ac', role: 'student', username: 'stu-063', givenName: 'Zofia', familyName: 'Lavoie', agentSourcedIds: 'gdn-093', grades: '04' },
    { sourcedId: 'gdn-093', status: 'active', dateLastModified: STAMP, enabledUser: 'true', orgSourcedIds: 'sch-ac', role: 'parent', username: 'gdn-093', givenName: 'Soren', familyName: 'Lavoie', sms: '+1 555-209-6363', agentSourcedIds: 'stu-063' },
  ],
  enrollments: [{ sourcedId: 'enr-stu-063', status: 'active', dateLastModified: STAMP, classSourcedId: 'cls-ac-4', schoolSourcedId: 'sch-ac', userSourcedId: 'stu-063', role: 'student' }],
};

let app: TestApp;
let token: string;
const db = () => app.deps.db;
// Welcome texts have their own tests; here they would queue ahead of the replies, one segment a second.
const run = (file: string) => importRoster(app.deps, { path: file, scope: { schoolId: null }, welcome: false });

/** Every family, who is in which, and every family's conversation: what must not move. */
async function households() {
  return {
    families: await db().select({ id: families.id, schoolId: families.schoolId, displayName: families.displayName, active: families.active }).from(families).orderBy(asc(families.id)),
    members: await db().select({ ext: guardians.externalId, schoolId: guardians.schoolId, familyId: guardians.familyId, active: guardians.active }).from(guardians).orderBy(asc(guardians.id)),
    conversations: await db().select({ id: conversations.id, familyId: conversations.familyId, schoolId: conversations.schoolId }).from(conversations).orderBy(asc(conversations.id)),
  };
}
type Households = Awaited<ReturnType<typeof households>>;
const schoolId = async (ext: string) => (await first(db().select().from(schools).where(eq(schools.externalId, ext))))!.id;
const guardianAt = async (ext: string, school: string) =>
  (await first(db().select().from(guardians).where(and(eq(guardians.externalId, ext), eq(guardians.schoolId, await schoolId(school))))))!;
const membersOf = async (familyId: number) =>
  (await db().select().from(guardians).where(and(eq(guardians.familyId, familyId), eq(guardians.active, true)))).map((g) => g.externalId).sort();
const conversationOf = async (familyId: number) => (await first(db().select().from(conversations).where(eq(conversations.familyId, familyId))))!;

async function reply(conversationId: number, body: string) {
  const res = await fetch(`${app.url}/api/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ body }),
  });
  return { status: res.status, json: await res.json() };
}
const received = async (to: string): Promise<{ body: string }[]> => (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items;
/** Waits until every text of a reply has reached the carrier, so what a phone did not get, it never will. */
const allDelivered = (ids: number[]) =>
  waitFor(async () => (await db().select().from(messages).where(inArray(messages.id, ids))).every((m) => m.status === 'delivered'), 20000);

let firstImport: Households;

beforeAll(async () => {
  app = await startTestApp('roster-households');
  token = (await addStaffWithToken(db(), { email: 'it@riverbend.example.org', role: 'district_admin' }, new Date(app.deps.clock.now()).toISOString())).token;
  await run(ONEROSTER);
  // Every family has a conversation, as it would once anyone texted: none may move or be orphaned.
  const now = new Date(app.deps.clock.now()).toISOString();
  for (const f of await db().select().from(families).orderBy(families.id)) await getOrCreateConversation(db(), { schoolId: f.schoolId, familyId: f.id, unmatchedNumber: null }, now);
  firstImport = await households();
});
afterAll(async () => {
  await app.stop();
});

test('the fixture district: Marco heads a family at each school, his own, apart from Rosa', async () => {
  const marcoAc = await guardianAt('gdn-004', 'sch-ac');
  const marcoBh = await guardianAt('gdn-004', 'sch-bh');
  expect(await membersOf(marcoAc.familyId)).toEqual(['gdn-004']);
  expect(await membersOf(marcoBh.familyId)).toEqual(['gdn-004']);
  expect(await membersOf((await guardianAt('gdn-003', 'sch-ac')).familyId)).toEqual(['gdn-003']);
});

test('a delta holding only an unrelated new student and guardian moves nobody else', async () => {
  const dir = writeDelta(
    NEWCOMERS.users.map((u) => csvLine(DELTA_USERS_HEADER, u)),
    NEWCOMERS.enrollments.map((e) => csvLine(ENROLLMENTS_HEADER, e)),
  );
  const report = await run(dir);
  rmSync(dir, { recursive: true, force: true });
  expect(report.errors).toEqual([]);
  expect(report.families).toMatchObject({ created: 1, updated: 0, deactivated: 0 });
  expect(report.guardians).toMatchObject({ created: 1, updated: 0, deactivated: 0 });

  const after = await households();
  const known = new Set(firstImport.families.map((f) => f.id));
  expect(after.families.filter((f) => known.has(f.id))).toEqual(firstImport.families);
  expect(after.members.slice(0, firstImport.members.length)).toEqual(firstImport.members);
  expect(after.conversations.slice(0, firstImport.conversations.length)).toEqual(firstImport.conversations);
  const soren = await guardianAt('gdn-093', 'sch-ac');
  expect(known.has(soren.familyId)).toBe(false);
  expect(await membersOf(soren.familyId)).toEqual(['gdn-093']);
});

test('a delta holding Marco without his children (the SIS sends those on the students) keeps him in his own families', async () => {
  const before = await households();
  const dir = writeDelta([`gdn-004,active,${STAMP},true,sch-ac,parent,gdn-004,Marco,Quintero,,+15552022701,,,,`]);
  const report = await run(dir);
  rmSync(dir, { recursive: true, force: true });
  expect(report.errors).toEqual([]);
  expect(report.families).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  expect(await households()).toEqual(before);
  const firstFamilyOf = async (ext: string, school: string) => {
    const id = await schoolId(school);
    return firstImport.members.find((m) => m.ext === ext && m.schoolId === id)!.familyId;
  };
  for (const school of ['sch-ac', 'sch-bh']) {
    expect((await guardianAt('gdn-004', school)).familyId).toBe(await firstFamilyOf('gdn-004', school));
    expect(await membersOf((await guardianAt('gdn-004', school)).familyId)).toEqual(['gdn-004']);
  }
  expect(await membersOf(await firstFamilyOf('gdn-003', 'sch-ac'))).toEqual(['gdn-003']);
});

test("a reply to a family reaches only its own guardians' numbers", async () => {
  const rosaFamily = (await guardianAt('gdn-003', 'sch-ac')).familyId;
  const marcoFamily = (await guardianAt('gdn-004', 'sch-ac')).familyId;

  const toRosa = await reply((await conversationOf(rosaFamily)).id, 'Chidi has a field trip Friday.');
  expect(toRosa.status).toBe(202);
  expect(toRosa.json.recipients.map((r: { to: string }) => r.to)).toEqual([ROSA]);
  const toMarco = await reply((await conversationOf(marcoFamily)).id, 'Chidi left his coat in class.');
  expect(toMarco.status).toBe(202);
  expect(toMarco.json.recipients.map((r: { to: string }) => r.to)).toEqual([MARCO]);

  await allDelivered([...toRosa.json.recipients, ...toMarco.json.recipients].map((r: { id: number }) => r.id));
  const bodies = async (to: string) => (await received(to)).map((m) => m.body);
  expect(await bodies(ROSA)).toContain('Chidi has a field trip Friday.');
  expect(await bodies(ROSA)).not.toContain('Chidi left his coat in class.');
  expect(await bodies(MARCO)).toContain('Chidi left his coat in class.');
  expect(await bodies(MARCO)).not.toContain('Chidi has a field trip Friday.');
});

test('a full export of the same people keeps every family, id, membership and conversation', async () => {
  const beforeFull = await households();
  const dir = extendExport(ONEROSTER, { 'users.csv': NEWCOMERS.users, 'enrollments.csv': NEWCOMERS.enrollments });
  const report = await run(dir);
  rmSync(dir, { recursive: true, force: true });
  expect(report.families).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  expect(report.guardians).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  expect(await households()).toEqual(beforeFull);
  const active = new Set(beforeFull.families.filter((f) => f.active).map((f) => f.id));
  for (const c of beforeFull.conversations) expect(active.has(c.familyId!)).toBe(true);
  // And the first families are still the ones the first import made.
  expect(beforeFull.families.slice(0, firstImport.families.length)).toEqual(firstImport.families);
});

test('a family whose last guardian leaves is deactivated, never deleted, and keeps its conversation', async () => {
  const sorenFamily = (await guardianAt('gdn-093', 'sch-ac')).familyId;
  const conversation = await getOrCreateConversation(db(), { schoolId: await schoolId('sch-ac'), familyId: sorenFamily, unmatchedNumber: null }, new Date(app.deps.clock.now()).toISOString());
  const before = await households();
  const dir = writeDelta([`gdn-093,tobedeleted,${STAMP},true,sch-ac,parent,gdn-093,Soren,Lavoie,,+1 555-209-6363,,stu-063,,`]);
  const report = await run(dir);
  rmSync(dir, { recursive: true, force: true });
  expect(report.guardians).toMatchObject({ deactivated: 1 });
  expect(report.families).toMatchObject({ created: 0, deactivated: 1 });
  const after = await households();
  expect(after.families).toEqual(before.families.map((f) => (f.id === sorenFamily ? { ...f, active: false } : f)));
  expect(after.members).toEqual(before.members.map((m) => (m.ext === 'gdn-093' ? { ...m, active: false } : m)));
  expect(after.conversations).toEqual(before.conversations);
  expect((await conversationOf(sorenFamily)).id).toBe(conversation.id);
});
