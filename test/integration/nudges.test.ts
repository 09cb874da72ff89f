import { and, eq } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool } from '../helpers/seed';
import { conversations, families, messages, nudgePlans, nudgeTips, optOuts, schools, tipFeedback } from '../../db/schema';
import { runNudgeTick } from '../../src/nudges/tick';
import { addStaffWithToken } from '../../src/staff/accounts';
import { ConsoleClient } from '../helpers/console';
import { NUDGE_SCHEDULER_ID, NUDGE_SCHEDULE_PATTERN } from '../../src/nudges/schedule';

/**
 * The weekend nudges end to end on a real database, Redis and the simulator, with a test clock.
 * Every test has its own school and numbers; a tick looks at every school, so each test asserts
 * on its own families only.
 */

const clock = new TestClock('2026-11-04T15:00:00Z'); // a Wednesday: no school is due
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp('nudges', { clock });
  // Each test runs its own ticks at the times it sets; the every-minute scheduler stays registered
  // (the first test checks it) but its queue is paused, so no real-time tick races a test's own.
  await app.deps.queues.nudges.pause();
});
afterAll(async () => {
  await app.stop();
});

const tick = () => runNudgeTick(app.deps);
const nudgesTo = (to: string) =>
  app.deps.db.select().from(messages).where(and(eq(messages.toNumber, to), eq(messages.kind, 'nudge')));
const planOf = async (familyId: number) => (await app.deps.db.select().from(nudgePlans).where(eq(nudgePlans.familyId, familyId))).map((p) => ({ week: p.week, status: p.status, reason: p.reason }));
const simInbox = async (to: string): Promise<{ body: string }[]> =>
  (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items;

/** An earlier automated text to `to` this week, from another school's family. */
async function priorText(to: string, kind: 'nudge' | 'reminder', at: string) {
  const school = await seedSchool(app.deps.db, { name: 'Elsewhere Academy' });
  const { family } = await seedFamily(app.deps.db, school.id, { name: 'Prior', guardians: [] });
  const [c] = await app.deps.db.insert(conversations).values({ schoolId: school.id, familyId: family.id, createdAt: at }).returning();
  // Inactive: this family itself is never nudged, it only stands for a text already given.
  await app.deps.db.update(families).set({ active: false }).where(eq(families.id, family.id));
  await app.deps.db.insert(messages).values({
    conversationId: c.id, direction: 'outbound', kind, body: 'Earlier text', fromNumber: '+15005550006', toNumber: to,
    status: 'delivered', createdAt: at, updatedAt: at,
  });
}

test('the worker role registers a BullMQ job scheduler ticking every minute', async () => {
  const schedulers = await app.deps.queues.nudges.getJobSchedulers();
  expect(schedulers).toEqual([expect.objectContaining({ key: NUDGE_SCHEDULER_ID, pattern: NUDGE_SCHEDULE_PATTERN })]);
});

test('a family with three children gets one text naming all three, on Saturday 09:30 New York time', async () => {
  const school = await seedSchool(app.deps.db, { name: 'Birch Lane School' });
  const phone = '+15555551001';
  const { family } = await seedFamily(app.deps.db, school.id, {
    name: 'Okafor',
    guardians: [{ first: 'Ada', phone }],
    students: [{ first: 'Chidi', grade: '3' }, { first: 'Nneka', grade: 'K' }, { first: 'Emeka', grade: '7' }],
  });
  clock.set('2026-11-07T14:29:00Z'); // 09:29 EST
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(0);
  clock.set('2026-11-07T14:30:00Z'); // 09:30 EST
  await tick();
  const sent = await nudgesTo(phone);
  expect(sent).toHaveLength(1);
  for (const name of ['Chidi', 'Nneka', 'Emeka']) expect(sent[0].body).toContain(name);
  expect(await planOf(family.id)).toEqual([{ week: '2026-W45', status: 'sent', reason: null }]);
  const onPhone = await waitFor(async () => ((await simInbox(phone)).length ? simInbox(phone) : null));
  expect(onPhone).toHaveLength(1);
  expect(onPhone[0].body).toBe(sent[0].body);
});

test('across the November change from daylight saving time the send time stays 09:30 local', async () => {
  const school = await seedSchool(app.deps.db, { name: 'Cedar Hill School' });
  const phone = '+15555551002';
  await seedFamily(app.deps.db, school.id, { name: 'Lindqvist', guardians: [{ first: 'Maja', phone }], students: [{ first: 'Nils', grade: '2' }] });
  clock.set('2026-10-31T13:29:00Z'); // Saturday 09:29 EDT
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(0);
  clock.set('2026-10-31T13:30:00Z'); // 09:30 EDT
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(1);
  // Clocks went back on Sunday 1 November: 13:30 UTC is now 08:30 local, an hour early.
  clock.set('2026-11-07T13:30:00Z');
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(1);
  clock.set('2026-11-07T14:30:00Z'); // 09:30 EST
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(2);
});

test('a Sunday 10:00 school on the day the clocks go back sends at 10:00 EST, not an hour early', async () => {
  const school = await seedSchool(app.deps.db, { name: 'Cypress School' });
  await app.deps.db.update(schools).set({ nudgeSlot: 'sun-10:00' }).where(eq(schools.id, school.id));
  const phone = '+15555551014';
  await seedFamily(app.deps.db, school.id, { name: 'Brennan', guardians: [{ first: 'Siobhan', phone }], students: [{ first: 'Aoife', grade: '6' }] });
  clock.set('2026-11-01T14:00:00Z'); // Sunday 09:00 EST (it would be 10:00 EDT)
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(0);
  clock.set('2026-11-01T15:00:00Z'); // 10:00 EST
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(1);
});

test('a repeated tick, and two ticks at once, still give one text', async () => {
  const school = await seedSchool(app.deps.db, { name: 'Dogwood School' });
  const phone = '+15555551003';
  await seedFamily(app.deps.db, school.id, { name: 'Pereira', guardians: [{ first: 'Rui', phone }], students: [{ first: 'Inês', grade: '4' }] });
  clock.set('2026-11-14T15:00:00Z'); // Saturday 10:00 EST
  await Promise.all([tick(), tick()]);
  await tick();
  clock.advance(60_000);
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(1);
});

test('a parent with children in two schools gets one text from each, within the per-number budget', async () => {
  const phone = '+15555551004';
  const a = await seedSchool(app.deps.db, { name: 'Elm Grove School' });
  const b = await seedSchool(app.deps.db, { name: 'Elm Grove Middle' });
  const fa = await seedFamily(app.deps.db, a.id, { name: 'Haddad', guardians: [{ first: 'Samir', phone }], students: [{ first: 'Layla', grade: '1' }] });
  const fb = await seedFamily(app.deps.db, b.id, { name: 'Haddad', guardians: [{ first: 'Samir', phone }], students: [{ first: 'Omar', grade: '7' }] });
  clock.set('2026-11-21T15:00:00Z');
  await tick();
  const sent = await nudgesTo(phone);
  expect(sent).toHaveLength(2);
  expect(sent.map((m) => m.body).join(' ')).toMatch(/Layla/);
  expect(sent.find((m) => m.body.includes('Layla'))!.body).not.toContain('Omar');
  expect((await planOf(fa.family.id))[0].status).toBe('sent');
  expect((await planOf(fb.family.id))[0].status).toBe('sent');
});

test('the budget: at most 3 nudges and 5 automated texts a week per number, across schools', async () => {
  const nudged = '+15555551005';
  const reminded = '+15555551006';
  const week = '2026-11-23T14:00:00Z'; // Monday of the week that follows
  await priorText(nudged, 'nudge', week);
  await priorText(nudged, 'nudge', week);
  for (let i = 0; i < 4; i++) await priorText(reminded, 'reminder', week);
  const firs = [await seedSchool(app.deps.db, { name: 'Fir School A' }), await seedSchool(app.deps.db, { name: 'Fir School B' })];
  const fams = [];
  for (const s of firs) {
    fams.push((await seedFamily(app.deps.db, s.id, { name: 'Novak', guardians: [{ first: 'Ivana', phone: nudged }], students: [{ first: 'Petra', grade: '5' }] })).family);
    fams.push((await seedFamily(app.deps.db, s.id, { name: 'Kowalski', guardians: [{ first: 'Jan', phone: reminded }], students: [{ first: 'Ola', grade: '6' }] })).family);
  }
  clock.set('2026-11-28T15:00:00Z');
  await tick();
  // Two earlier nudges + one = three; four reminders + one = five: the second school's are skipped.
  expect(await nudgesTo(nudged)).toHaveLength(3);
  expect(await nudgesTo(reminded)).toHaveLength(1);
  const plans = await Promise.all(fams.map((f) => planOf(f.id)));
  expect(plans.map((p) => p[0].reason)).toEqual([null, null, 'budget', 'budget']);
});

test('quiet hours: a tick that comes late at night sends nothing until the morning window', async () => {
  const school = await seedSchool(app.deps.db, { name: 'Ginkgo School', timezone: 'America/Los_Angeles' });
  const phone = '+15555551007';
  const { family } = await seedFamily(app.deps.db, school.id, { name: 'Tanaka', guardians: [{ first: 'Yui', phone }], students: [{ first: 'Ren', grade: '9' }] });
  clock.set('2026-12-06T05:30:00Z'); // Saturday 21:30 in Los Angeles: due, but night
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(0);
  expect(await planOf(family.id)).toEqual([]);
  clock.set('2026-12-06T16:00:00Z'); // Sunday 08:00 in Los Angeles
  await tick();
  expect(await nudgesTo(phone)).toHaveLength(1);
});

test('PAUSE, an opt-out and a no-contact order: no text, each with its reason', async () => {
  const school = await seedSchool(app.deps.db, { name: 'Hazel School', from: '+15555550190' });
  const paused = await seedFamily(app.deps.db, school.id, { name: 'Ruiz', guardians: [{ first: 'Ana', phone: '+15555551008' }], students: [{ first: 'Leo', grade: '2' }] });
  await app.deps.db.update(families).set({ pausedUntil: '2026-12-20T00:00:00.000Z' }).where(eq(families.id, paused.family.id));
  const stopped = await seedFamily(app.deps.db, school.id, { name: 'Berg', guardians: [{ first: 'Lars', phone: '+15555551009' }], students: [{ first: 'Elsa', grade: '3' }] });
  await app.deps.db.insert(optOuts).values({ phoneNumber: '+15555551009', sendingNumber: '+15555550190', since: '2026-11-01T00:00:00Z', source: 'keyword' });
  const split = await seedFamily(app.deps.db, school.id, {
    name: 'Moreau',
    guardians: [{ first: 'Claire', phone: '+15555551010' }, { first: 'Paul', phone: '+15555551011', noContact: ['Jules'] }],
    students: [{ first: 'Jules', grade: '4' }, { first: 'Lina', grade: '1' }],
  });
  const none = await seedFamily(app.deps.db, school.id, { name: 'Quinn', guardians: [{ first: 'Rory', phone: '+15555551012' }] });
  clock.set('2026-12-12T15:00:00Z');
  await tick();
  expect(await nudgesTo('+15555551008')).toHaveLength(0);
  expect((await planOf(paused.family.id))[0]).toMatchObject({ status: 'skipped', reason: 'paused' });
  expect(await nudgesTo('+15555551009')).toHaveLength(0);
  expect((await planOf(stopped.family.id))[0]).toMatchObject({ status: 'skipped', reason: 'opted_out' });
  expect((await planOf(none.family.id))[0]).toMatchObject({ status: 'skipped', reason: 'no_children' });
  const claire = await nudgesTo('+15555551010');
  const paul = await nudgesTo('+15555551011');
  expect(claire).toHaveLength(1);
  expect(claire[0].body).toMatch(/Jules/);
  expect(paul).toHaveLength(1);
  expect(paul[0].body).toMatch(/Lina/);
  expect(paul[0].body).not.toMatch(/Jules/);
});

test("a child's tip is not repeated the next week", async () => {
  const school = await seedSchool(app.deps.db, { name: 'Ironwood School' });
  const { students } = await seedFamily(app.deps.db, school.id, { name: 'Mensah', guardians: [{ first: 'Kofi', phone: '+15555551013' }], students: [{ first: 'Ama', grade: '2' }] });
  const tipsOf = async () => (await app.deps.db.select().from(nudgeTips).where(eq(nudgeTips.studentId, students[0].id))).map((t) => t.tipId);
  clock.set('2027-01-09T15:00:00Z');
  await tick();
  clock.set('2027-01-16T15:00:00Z');
  await tick();
  const tips = await tipsOf();
  expect(tips).toHaveLength(2);
  expect(tips[1]).not.toBe(tips[0]);
});

test('the report counts a school week per language: sent, delivered, replied, tip feedback, opt-outs; the console draws it', async () => {
  const school = await seedSchool(app.deps.db, { name: 'Juniper School', from: '+15555550191' });
  const en = '+15555551015';
  const es = '+15555551016';
  await seedFamily(app.deps.db, school.id, { name: 'Walsh', guardians: [{ first: 'Nora', phone: en }], students: [{ first: 'Finn', grade: '3' }] });
  await seedFamily(app.deps.db, school.id, { name: 'Vega', language: 'es', guardians: [{ first: 'Lucía', phone: es }], students: [{ first: 'Diego', grade: '5' }] });
  clock.set('2027-01-23T15:00:00Z'); // Saturday 10:00 EST, week 2027-W03
  await tick();
  await waitFor(async () => (await nudgesTo(en))[0]?.status === 'delivered' && (await nudgesTo(es))[0]?.status === 'delivered');
  const text = (from: string, body: string) =>
    fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to: '+15555550191', body }) });
  await text(en, 'Thanks! What book is the class reading?');
  await text(en, '1');
  await text(es, 'STOP');
  await waitFor(async () => (await app.deps.db.select().from(tipFeedback)).length > 0);
  await waitFor(async () => (await app.deps.db.select().from(optOuts).where(eq(optOuts.phoneNumber, es))).length > 0);
  const { token } = await addStaffWithToken(app.deps.db, { email: 'office@juniper.example', role: 'school_admin', schoolId: school.id }, new Date(clock.now()).toISOString());
  const report = async (q: string) => (await fetch(`${app.url}/api/v1/nudges/report${q}`, { headers: { authorization: `Bearer ${token}` } })).json();
  const json = await waitFor(async () => {
    const r = await report('?week=2027-W03');
    return r.items[0].totals.replied === 1 ? r : null;
  });
  expect(json.items).toEqual([
    {
      schoolId: school.id, schoolName: 'Juniper School', timezone: 'America/New_York', week: '2027-W03',
      languages: [
        { language: 'en', sent: 1, delivered: 1, replied: 1, tipFeedback: 1, optOuts: 0 },
        { language: 'es', sent: 1, delivered: 1, replied: 0, tipFeedback: 0, optOuts: 1 },
      ],
      totals: { sent: 2, delivered: 2, replied: 1, tipFeedback: 1, optOuts: 1 },
    },
  ]);
  expect((await report('?week=2027-W02')).items[0].totals.sent).toBe(0);
  expect((await fetch(`${app.url}/api/v1/nudges/report?week=2027-W99`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);

  const consoleUser = new ConsoleClient(app.url);
  await addStaffWithToken(app.deps.db, { email: 'office@juniper.example', password: 'juniper console passphrase' }, new Date(clock.now()).toISOString());
  expect((await consoleUser.signIn('office@juniper.example', 'juniper console passphrase')).status).toBe(303);
  const page = await consoleUser.get(`/console/schools/${school.id}/nudges?week=2027-W03`);
  expect(page.status).toBe(200);
  expect(page.html).toMatch(/<th scope="row">es<\/th><td>1<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td>1<\/td>/);
  // Twelve weeks of bars (sent, delivered, replied each), this week's as tall as the chart allows.
  expect(page.html.match(/<rect /g)).toHaveLength(36);
  expect(page.html).toContain('<title>2027-W03: 2 sent</title>');
  expect(page.html).not.toMatch(/<script(?! src)|style=/);
});
