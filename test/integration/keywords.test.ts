import { and, eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool, seedStaff } from '../helpers/seed';
import { conversations, families, messages, optOuts } from '../../db/schema';
import { first } from '../../db/query';
import { sendStaffReply } from '../../src/messaging/outbound';
import { inboundJobId, sendJobId } from '../../src/queue/names';
import { requeueStranded } from '../../src/messaging/recover';

const SCHOOL_FROM = '+15555550100';
const EN = '+15555550211';
const ES = '+15555550222';
const PT = '+15555550233';

let app: TestApp;
const START = '2026-11-18T15:00:00Z'; // 10:00 in New York
const clock = new TestClock(START);
const fam: Record<string, number> = {};
let staffId: number;

const simInbox = async (to: string): Promise<{ body: string; status: string }[]> =>
  (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items;

async function text(from: string, body: string): Promise<number> {
  const res = await fetch(`${app.url}/sim/api/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, to: SCHOOL_FROM, body }),
  });
  expect(res.status).toBe(200);
  const { sid } = await res.json();
  const row = await waitFor(() => first(app.deps.db.select().from(messages).where(eq(messages.providerSid, sid))));
  return row.id;
}

const conversationOf = async (familyId: number) =>
  (await first(app.deps.db.select().from(conversations).where(eq(conversations.familyId, familyId))))!;
const outboundTo = (to: string) =>
  app.deps.db.select().from(messages).where(and(eq(messages.toNumber, to), eq(messages.direction, 'outbound')));
const messageById = async (id: number) => (await first(app.deps.db.select().from(messages).where(eq(messages.id, id))))!;
const familyById = async (id: number) => (await first(app.deps.db.select().from(families).where(eq(families.id, id))))!;

async function reply(familyId: number, body: string, urgent = false) {
  const conv = await conversationOf(familyId);
  return (await sendStaffReply(app.deps, { conversationId: conv.id, staffId, body, urgent })).messages;
}

/** Waits until the background follow-up of an inbound text (keyword answers, routing) has run. */
const followedUp = (messageId: number) =>
  waitFor(async () => {
    const job = await app.deps.queues.inbound.getJob(inboundJobId(messageId));
    return job && (await job.getState()) === 'completed';
  });

beforeAll(async () => {
  app = await startTestApp('keywords', { clock });
  const school = await seedSchool(app.deps.db, { name: 'Maple Street School' });
  fam.en = (await seedFamily(app.deps.db, school.id, { name: 'Nguyen', guardians: [{ first: 'Lan', phone: EN }] })).family.id;
  fam.es = (await seedFamily(app.deps.db, school.id, { name: 'Garcia', language: 'es', guardians: [{ first: 'Luz', phone: ES }] })).family.id;
  fam.pt = (await seedFamily(app.deps.db, school.id, { name: 'Souza', language: 'pt', guardians: [{ first: 'Bia', phone: PT }] })).family.id;
  staffId = (await seedStaff(app.deps.db, { email: 'office@maple.test', role: 'school_admin', schoolId: school.id })).id;
  for (const n of [EN, ES, PT]) await text(n, 'hello');
});

afterEach(() => clock.set(START));

afterAll(async () => {
  await app.stop();
});

test('STOP: recorded with the text, the carrier confirms once, FamilyLine adds nothing, later sends are blocked', async () => {
  const before = (await simInbox(EN)).length;
  const stop = await text(EN, ' stop ');
  expect(await app.deps.db.select().from(optOuts).where(eq(optOuts.phoneNumber, EN))).toHaveLength(1);
  await followedUp(stop);
  expect((await outboundTo(EN)).filter((m) => m.kind === 'system')).toHaveLength(0);
  const after = await simInbox(EN);
  expect(after.length).toBe(before + 1);
  expect(after[after.length - 1].body).toMatch(/unsubscribed/i);

  const [sent] = await reply(fam.en, 'Field trip forms are due.');
  expect(sent.status).toBe('blocked');
  expect(await app.deps.queues.send.getJob(sendJobId(sent.id))).toBeUndefined(); // nothing will try to send it
  expect((await simInbox(EN)).length).toBe(before + 1);
});

test('START: the opt-out is lifted and texts flow again', async () => {
  await text(EN, 'START');
  expect(await app.deps.db.select().from(optOuts).where(eq(optOuts.phoneNumber, EN))).toHaveLength(0);
  const [sent] = await reply(fam.en, 'Welcome back! Spelling test Friday.');
  await waitFor(async () => (await messageById(sent.id)).status === 'delivered');
  expect((await simInbox(EN)).map((m) => m.body)).toContain('Welcome back! Spelling test Friday.');
});

test('PARAR from a Spanish-speaking family: opted out and confirmed once, in Spanish, by FamilyLine', async () => {
  const parar = await text(ES, 'Parar');
  expect(await app.deps.db.select().from(optOuts).where(eq(optOuts.phoneNumber, ES))).toHaveLength(1);
  await followedUp(parar);
  const confirmation = await waitFor(async () => (await outboundTo(ES)).find((m) => m.kind === 'system' && m.status === 'delivered'));
  expect(confirmation.language).toBe('es');
  expect(confirmation.confirmsOptOut).toBe(true);
  expect((await outboundTo(ES)).filter((m) => m.kind === 'system')).toHaveLength(1);
  const [sent] = await reply(fam.es, 'Hola');
  expect(sent.status).toBe('blocked');
});

test('a plain "sí" from a family that never opted out is just a reply, not a resubscribe', async () => {
  for (const id of [await text(PT, 'sim'), await text(PT, 'sí')]) await followedUp(id);
  expect((await outboundTo(PT)).filter((m) => m.kind === 'system')).toHaveLength(0);
});

test('texting a language name switches the family language and confirms in it', async () => {
  await text(EN, 'Português');
  await waitFor(async () => (await familyById(fam.en)).language === 'pt');
  const confirmation = await waitFor(async () => (await outboundTo(EN)).find((m) => m.kind === 'system' && m.language === 'pt'));
  expect(confirmation.encoding).toBeDefined();
  expect((await familyById(fam.en)).languageSource).toBe('text');
});

test('AJUDA gets FamilyLine help in Portuguese naming the school', async () => {
  await text(PT, 'ajuda');
  const help = await waitFor(async () => (await outboundTo(PT)).find((m) => m.kind === 'system'));
  expect(help.language).toBe('pt');
  expect(help.body).toContain('Maple Street School');
});

test('a parent reply is assigned to the teacher who texted them this week', async () => {
  await reply(fam.pt, 'Bia did great on her reading today!');
  await text(PT, 'Obrigada!');
  await waitFor(async () => (await conversationOf(fam.pt)).assignedStaffId === staffId);
});

test('quiet hours: a reply at 22:00 is held until 08:00, then leaves on its own; urgent goes at once', async () => {
  clock.set('2026-11-19T03:00:00Z'); // 22:00 in New York
  const [held] = await reply(fam.pt, 'Reminder: early dismissal tomorrow.');
  expect(held.status).toBe('held');
  expect(held.scheduledFor).toBe('2026-11-19T13:00:00.000Z');
  const [urgent] = await reply(fam.pt, 'School is closed tomorrow: snow.', true);
  await waitFor(async () => (await messageById(urgent.id)).status === 'delivered');
  expect((await messageById(held.id)).status).toBe('held');

  clock.set('2026-11-19T13:00:01Z');
  const job = await app.deps.queues.send.getJob(sendJobId(held.id));
  expect(await job!.getState()).toBe('delayed');
  await job!.promote();
  await waitFor(async () => (await messageById(held.id)).status === 'delivered');
});

test('a held message whose send job was lost (Redis restarted empty) is requeued from the database', async () => {
  clock.set('2026-11-20T02:00:00Z'); // 21:00 in New York
  const [held] = await reply(fam.pt, 'Book fair money is due Monday.');
  expect(held.status).toBe('held');
  await (await app.deps.queues.send.getJob(sendJobId(held.id)))!.remove();
  clock.set('2026-11-20T13:00:00Z');
  expect(await requeueStranded(app.deps)).toBe(1);
  await waitFor(async () => (await messageById(held.id)).status === 'delivered');
  expect(await requeueStranded(app.deps)).toBe(0);
});
