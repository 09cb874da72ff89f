import { and, eq, isNotNull } from 'drizzle-orm';
import { runTick, startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool } from '../helpers/seed';
import { api, seedManyFamilies, simInbox } from '../helpers/broadcasts';
import { broadcastRecipients, families, messages, staff } from '../../db/schema';
import { addStaffWithToken } from '../../src/staff/accounts';
import { FANOUT_PAGE } from '../../src/reminders/fan-out';
import { seededRandom } from '../../src/lib/seeded-random';
import { BULK_LOOKAHEAD_MS, depart, LATE_DEPARTURE_MS, reserveSendSlot, takeBulkSlot, type Slot } from '../../src/messaging/pacing';

/**
 * Bulk reminders on their way out: the time they leave (an instant, each family's local HH:MM,
 * quiet hours held to 08:00 local, urgent at night), a fan-out of several pages, a teacher's reply
 * ahead of a paced backlog on the same sender, pause/resume/cancel, and the 30007 guardrail.
 * Every test has its own school (and, where pacing matters, its own sending number).
 */

// Real sends through the simulator, up to 1,100 of them in one test: on a loaded two-core machine a
// test's steps (each bounded by its own waitFor) can together pass jest's 30 s without any hanging.
jest.setTimeout(120_000);

const clock = new TestClock('2026-11-18T15:00:00Z');
let app: TestApp;
let district: string;
let phoneSeq = 3000;
const nextPhone = () => `+1555555${String(phoneSeq++).padStart(4, '0')}`;

beforeAll(async () => {
  app = await startTestApp('broadcasts-sending', { clock });
  await app.deps.queues.nudges.pause();
  district = (await addStaffWithToken(app.deps.db, { email: 'district@sending.test', role: 'district_admin' }, '2026-11-01T00:00:00.000Z')).token;
});
afterAll(async () => {
  await app.stop();
});

const TEXT = 'Reminder: picture day is Thursday. Reply 1 with questions.';
const create = async (schoolId: number, over: Record<string, unknown> = {}, token = district) => {
  const res = await api(app, token, 'POST', '/broadcasts', { schoolId, audience: { type: 'school' }, texts: { en: TEXT }, ...over });
  expect(res.status).toBe(201);
  return res.body.id as number;
};
const view = async (id: number) => (await api(app, district, 'GET', `/broadcasts/${id}`)).body;
const messagesOf = (id: number) => app.deps.db.select().from(messages).where(eq(messages.broadcastId, id)).orderBy(messages.id);
const fannedOut = (id: number) => waitFor(async () => ((await view(id)).fanout.done ? view(id) : null));
const sentCount = async (id: number) => (await app.deps.db.select({ id: messages.id }).from(messages).where(and(eq(messages.broadcastId, id), isNotNull(messages.providerSid)))).length;
/** As the scheduler would when the business clock reaches a delayed job's time. */
async function promoteDelayed(): Promise<void> {
  for (const job of await app.deps.queues.broadcast.getDelayed()) if (await job.isDelayed()) await job.promote();
}
/** Waits until no batch job of the broadcast runs (a pause or cancel has been seen by it). */
async function batchesIdle(id: number): Promise<void> {
  await waitFor(async () => !(await app.deps.queues.broadcast.getActive()).some((j) => j.data.broadcastId === id));
}
async function family(schoolId: number, opts: { language?: string; timezone?: string } = {}) {
  const phone = nextPhone();
  const f = await seedFamily(app.deps.db, schoolId, { name: `F${phone.slice(-4)}`, language: opts.language, guardians: [{ first: 'Sam', phone }], students: [{ first: 'Kid', grade: '2' }] });
  if (opts.timezone) {
    // A family away from the school's zone, set as staff set it.
    const res = await api(app, district, 'PATCH', `/families/${f.family.id}`, { timezone: opts.timezone });
    expect([res.status, res.body.timezone]).toEqual([200, opts.timezone]);
  }
  return { id: f.family.id, phone };
}

test('a family\'s time zone is an IANA zone or null (the school\'s)', async () => {
  const school = await seedSchool(app.deps.db, { name: 'Zone School' });
  const f = await family(school.id, { timezone: 'America/Denver' });
  expect((await api(app, district, 'PATCH', `/families/${f.id}`, { timezone: 'Mars/Olympus' })).body.error.fields).toEqual({ timezone: expect.stringContaining('IANA') });
  expect((await api(app, district, 'PATCH', `/families/${f.id}`, { timezone: null })).body.timezone).toBeNull();
});

test('sendAt: fanned out at once, nothing leaves before its time, everything at it', async () => {
  clock.set('2026-11-18T15:00:00Z'); // 10:00 New York
  const school = await seedSchool(app.deps.db, { name: 'Sendat School' });
  const a = await family(school.id);
  const b = await family(school.id);
  const id = await create(school.id, { sendAt: '2026-11-18T14:00:00-05:00' });
  const v = await fannedOut(id);
  expect(v).toMatchObject({ status: 'scheduled', counts: { queued: 2 } });
  expect(await simInbox(app, a.phone)).toEqual([]);
  const recipients = await app.deps.db.select().from(broadcastRecipients).where(eq(broadcastRecipients.broadcastId, id));
  expect(recipients.map((r) => r.dueAt)).toEqual(['2026-11-18T19:00:00.000Z', '2026-11-18T19:00:00.000Z']);
  clock.set('2026-11-18T19:00:00Z');
  await promoteDelayed();
  await waitFor(async () => (await view(id)).status === 'done');
  for (const f of [a, b]) expect((await simInbox(app, f.phone)).map((m) => m.body)).toEqual([TEXT]);
});

test('a non-urgent broadcast at 21:00 waits for 08:00 in each family\'s own zone; an urgent one leaves at 05:30', async () => {
  clock.set('2026-11-19T02:00:00Z'); // 21:00 in New York, 18:00 in Los Angeles
  const school = await seedSchool(app.deps.db, { name: 'Quiet Hours School' });
  const ny = await family(school.id);
  const la = await family(school.id, { timezone: 'America/Los_Angeles' });
  const id = await create(school.id);
  await waitFor(async () => (await simInbox(app, la.phone)).length === 1);
  const held = await waitFor(async () => {
    const [m] = (await messagesOf(id)).filter((x) => x.toNumber === ny.phone);
    return m?.status === 'held' ? m : null;
  });
  expect(held.scheduledFor).toBe('2026-11-19T13:00:00.000Z'); // 08:00 in New York
  expect((await view(id)).counts).toMatchObject({ held: 1 });
  await batchesIdle(id);
  expect(await simInbox(app, ny.phone)).toEqual([]);
  clock.set('2026-11-19T13:00:00Z');
  await promoteDelayed();
  await waitFor(async () => (await simInbox(app, ny.phone)).length === 1);
  await waitFor(async () => (await view(id)).status === 'done');

  clock.set('2026-11-19T10:30:00Z'); // 05:30 in New York: a snow day
  const urgent = await create(school.id, { urgent: true, texts: { en: 'Snow day: school is closed today.' } });
  await waitFor(async () => (await simInbox(app, ny.phone)).length === 2 && (await simInbox(app, la.phone)).length === 2);
  await waitFor(async () => (await view(urgent)).status === 'done');
});

test('localTime 06:00 set at 05:30 means this morning, in each family\'s zone; non-urgent, it is held to 08:00', async () => {
  clock.set('2026-11-18T10:30:00Z'); // 05:30 in New York
  const school = await seedSchool(app.deps.db, { name: 'Local Time School' });
  const ny = await family(school.id);
  const la = await family(school.id, { timezone: 'America/Los_Angeles' });
  const id = await create(school.id, { localTime: '06:00' });
  await fannedOut(id);
  const due = Object.fromEntries((await app.deps.db.select().from(broadcastRecipients).where(eq(broadcastRecipients.broadcastId, id))).map((r) => [r.phone, r.dueAt]));
  expect(due).toEqual({ [ny.phone]: '2026-11-18T11:00:00.000Z', [la.phone]: '2026-11-18T14:00:00.000Z' });
  clock.set('2026-11-18T11:00:00Z');
  await promoteDelayed();
  const held = await waitFor(async () => (await messagesOf(id)).find((m) => m.toNumber === ny.phone && m.status === 'held'));
  expect(held.scheduledFor).toBe('2026-11-18T13:00:00.000Z');
  expect(await simInbox(app, ny.phone)).toEqual([]);
  expect(await simInbox(app, la.phone)).toEqual([]);
  expect((await api(app, district, 'POST', `/broadcasts/${id}/cancel`)).body.counts).toMatchObject({ canceled: 2, sent: 0 });
});

test(`an audience of ${2 * FANOUT_PAGE + 100} families fans out in three pages and each number gets exactly one text`, async () => {
  clock.set('2026-11-18T15:00:00Z');
  const school = await seedSchool(app.deps.db, { name: 'Big School', from: '+15555550191' });
  const count = 2 * FANOUT_PAGE + 100;
  const phoneOf = (i: number) => `+1555556${String(i).padStart(4, '0')}`;
  await seedManyFamilies(app.deps.db, school.id, count, phoneOf);
  const id = await create(school.id);
  const done = await waitFor(async () => {
    const v = await view(id);
    return v.status === 'done' ? v : null;
  }, 90_000);
  expect(done.fanout).toEqual({ done: true, pages: 3 });
  expect(done.counts.queued + done.counts.held + done.counts.canceled + done.counts.skipped).toBe(0);
  const rows = await messagesOf(id);
  expect(rows).toHaveLength(count);
  expect(new Set(rows.map((m) => m.toNumber)).size).toBe(count);
  const pages = await app.deps.db.select({ page: broadcastRecipients.page }).from(broadcastRecipients).where(eq(broadcastRecipients.broadcastId, id));
  expect([...new Set(pages.map((p) => p.page))].sort()).toEqual([0, 1, 2]);
  for (let i = 0; i < count; i += 100) {
    const got = await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => simInbox(app, phoneOf(i + k))));
    expect(got.map((g) => g.length)).toEqual(got.map(() => 1));
  }
});

test('canceled before its fan-out reached every family, the report still lists each family as canceled and nobody gets a text', async () => {
  clock.set('2026-11-18T15:00:00Z');
  const school = await seedSchool(app.deps.db, { name: 'Canceled Early School', from: '+15555550193' });
  const count = FANOUT_PAGE + 20;
  const phoneOf = (i: number) => `+1555557${String(i).padStart(4, '0')}`;
  await seedManyFamilies(app.deps.db, school.id, count, phoneOf);
  const before = await app.deps.db.select({ id: families.id }).from(families).where(eq(families.schoolId, school.id));
  // The broadcast queue held: the principal cancels before the fan-out has reached any family.
  await app.deps.queues.broadcast.pause();
  let id: number;
  try {
    id = await create(school.id);
    const canceled = (await api(app, district, 'POST', `/broadcasts/${id}/cancel`)).body;
    expect(canceled).toMatchObject({ status: 'canceled', fanout: { done: false } });
  } finally {
    await app.deps.queues.broadcast.resume();
  }
  const v = await fannedOut(id);
  expect(v).toMatchObject({ status: 'canceled', fanout: { done: true, pages: 2 }, counts: { canceled: count, total: count, sent: 0, queued: 0 } });
  const report = (await api(app, district, 'GET', `/broadcasts/${id}/report`)).body;
  expect(report.rows).toHaveLength(count);
  expect(new Set(report.rows.map((r: any) => r.familyId))).toEqual(new Set(before.map((f) => f.id)));
  expect(report.rows.every((r: any) => r.status === 'canceled')).toBe(true);
  await batchesIdle(id);
  for (const i of [0, FANOUT_PAGE - 1, FANOUT_PAGE, count - 1]) expect(await simInbox(app, phoneOf(i))).toEqual([]);
});

test('a teacher\'s reply on the same sender leaves ahead of the broadcast\'s paced backlog', async () => {
  clock.set('2026-11-18T15:00:00Z');
  const school = await seedSchool(app.deps.db, { name: 'Paced School', from: '+15555550192', mps: 2 });
  const fams = [];
  for (let i = 0; i < 30; i++) fams.push(await family(school.id));
  const id = await create(school.id);
  await waitFor(async () => (await sentCount(id)) >= 3, 20_000);
  const before = await sentCount(id);
  const reply = await api(app, district, 'POST', `/families/${fams[29].id}/messages`, { body: 'Hi, about your question: yes, Thursday.' });
  expect(reply.status).toBe(202);
  const replyId = reply.body.recipients[0].id;
  await waitFor(async () => (await app.deps.db.select().from(messages).where(eq(messages.id, replyId)))[0].providerSid !== null, 20_000);
  const after = await sentCount(id);
  // At most the bulk text already under way (and one more while this test polls) left between the two.
  expect(after - before).toBeLessThanOrEqual(2);
  expect((await view(id)).counts.queued).toBeGreaterThan(20);
  const canceled = (await api(app, district, 'POST', `/broadcasts/${id}/cancel`)).body;
  expect(canceled.status).toBe('canceled');
  await batchesIdle(id);
  const final = await view(id);
  expect(final.counts.canceled).toBeGreaterThan(20);
  expect(final.counts.canceled + final.counts.sent + final.counts.delivered + final.counts.failed).toBe(30);
  // What was canceled never reached a phone (the last family got the teacher's reply only).
  for (const m of (await messagesOf(id)).filter((x) => x.status === 'canceled')) {
    expect((await simInbox(app, m.toNumber)).filter((x) => x.body === TEXT)).toEqual([]);
  }
});

test('pause stops a broadcast within seconds and nothing leaves while paused, even across a tick; resume finishes it once per number', async () => {
  clock.set('2026-11-18T15:00:00Z');
  const school = await seedSchool(app.deps.db, { name: 'Pause School', from: '+15555550193', mps: 2 });
  const fams = [];
  for (let i = 0; i < 12; i++) fams.push(await family(school.id));
  const id = await create(school.id);
  await waitFor(async () => (await sentCount(id)) >= 2, 20_000);
  const paused = await api(app, district, 'POST', `/broadcasts/${id}/pause`);
  expect(paused.body).toMatchObject({ status: 'paused', pausedReason: 'staff', banner: null });
  await batchesIdle(id);
  const n = await sentCount(id);
  await runTick(app); // the tick's recovery leaves a paused broadcast alone
  expect(await sentCount(id)).toBe(n);
  expect(n).toBeLessThan(12);
  expect((await view(id)).status).toBe('paused');
  expect((await api(app, district, 'POST', `/broadcasts/${id}/pause`)).status).toBe(409);
  const resumed = await api(app, district, 'POST', `/broadcasts/${id}/resume`);
  expect(resumed.body.status).toBe('sending');
  await waitFor(async () => (await view(id)).status === 'done', 30_000);
  for (const f of fams) expect((await simInbox(app, f.phone)).map((m) => m.body)).toEqual([TEXT]);
});

test('past 2% carrier-filtered texts among the last 200 the broadcast pauses itself, shows a banner and texts its creator', async () => {
  clock.set('2026-11-18T15:00:00Z');
  const school = await seedSchool(app.deps.db, { name: 'Guardrail School', from: '+15555550194', mps: 4 });
  const adminPhone = nextPhone();
  const admin = await addStaffWithToken(app.deps.db, { email: 'principal@sending.test', role: 'school_admin', schoolId: school.id, phone: adminPhone }, '2026-11-01T00:00:00.000Z');
  expect((await app.deps.db.select().from(staff).where(eq(staff.id, admin.staff.id)))[0].phone).toBe(adminPhone);
  const fams = [];
  for (let i = 0; i < 40; i++) fams.push(await family(school.id));
  for (const f of fams.slice(0, 6)) {
    await fetch(`${app.url}/sim/api/failures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: f.phone, errorCode: 30007, times: 1 }) });
  }
  const id = await create(school.id, {}, admin.token);
  const paused = await waitFor(async () => {
    const v = await view(id);
    return v.status === 'paused' ? v : null;
  }, 30_000);
  expect(paused.pausedReason).toBe('guardrail');
  expect(paused.banner).toContain('paused itself');
  const alert = await waitFor(async () => (await simInbox(app, adminPhone))[0]);
  expect(alert.body).toContain(`broadcast #${id} paused itself`);
  await batchesIdle(id);
  expect((await view(id)).counts.queued).toBeGreaterThan(0);
  const report = (await api(app, admin.token, 'GET', `/broadcasts/${id}/report`)).body;
  expect(report.rows.filter((r: any) => r.errorCode === 30007).map((r: any) => r.meaning)).toContain('carrier filtered the message');
  expect((await api(app, admin.token, 'POST', `/broadcasts/${id}/cancel`)).body.status).toBe('canceled');
});

test('pacing on the real Redis: bulk slots start one cost apart at most the lookahead ahead, and a reply comes next', async () => {
  const { redis } = app.deps;
  const prefix = app.config.queuePrefix;
  const key = '+15555550199';
  const mps = 100;
  const t0 = Date.now();
  const slots: Slot[] = [];
  let refused: { retryAtMs: number } | undefined;
  while (!refused) {
    const got = await takeBulkSlot(redis, prefix, key, 1, mps, t0);
    if ('startMs' in got) slots.push(got);
    else refused = got;
  }
  const starts = slots.map((s) => s.startMs);
  const cost = starts[1] - starts[0];
  expect(cost).toBeGreaterThanOrEqual(1000 / mps); // never faster than the sender's mps
  expect(cost).toBeLessThanOrEqual(1000 / (0.95 * mps)); // and not much slower
  starts.forEach((s, i) => expect(s).toBeCloseTo(t0 + i * cost, 2));
  expect(starts.at(-1)! - t0).toBeLessThanOrEqual(BULK_LOOKAHEAD_MS);
  expect(starts.at(-1)! + cost - t0).toBeGreaterThan(BULK_LOOKAHEAD_MS); // refused only once the lookahead is full
  slots.forEach((s) => expect(s.leaveByMs - s.startMs).toBeCloseTo(1.5 * cost, 2));
  slots.forEach((s) => expect(s.lastChanceMs - s.startMs).toBeCloseTo(LATE_DEPARTURE_MS, 2)); // slots this short: a late send may still leave
  // Refused, nothing reserved: it comes back once half the lookahead has drained.
  expect(refused.retryAtMs).toBeCloseTo(starts.at(-1)! + cost - BULK_LOOKAHEAD_MS / 2, 2);
  // A teacher's reply takes the next slot: within the lookahead and one slot of now, ahead of the rest of the broadcast.
  const reply = await reserveSendSlot(redis, prefix, key, 1, mps, t0);
  expect(reply.startMs).toBeCloseTo(starts.at(-1)! + cost, 2);
  expect(reply.startMs - t0).toBeLessThanOrEqual(BULK_LOOKAHEAD_MS + cost);
  const next = await takeBulkSlot(redis, prefix, key, 2, mps, refused.retryAtMs);
  const twoSegments = reply.startMs + cost;
  expect(next).toEqual({ startMs: expect.closeTo(twoSegments, 2), leaveByMs: expect.closeTo(twoSegments + 3 * cost, 2), lastChanceMs: expect.closeTo(twoSegments + LATE_DEPARTURE_MS, 2) }); // two segments: two slots
  expect(await takeBulkSlot(redis, prefix, '+15555550198', 1, mps, t0)).toEqual({ startMs: t0, leaveByMs: expect.closeTo(t0 + 1.5 * cost, 2), lastChanceMs: t0 + LATE_DEPARTURE_MS }); // another sender has its own
  expect(await takeBulkSlot(redis, prefix, key, 1, 0, t0)).toEqual({ startMs: t0, leaveByMs: Infinity, lastChanceMs: Infinity }); // mps 0: pacing off
  // A 1-mps long code's slot: a second and a half to leave in, and no late departures beyond it.
  const longCode = await reserveSendSlot(redis, prefix, '+15555550193', 1, 1, t0);
  expect(longCode.leaveByMs - t0).toBeGreaterThan(1500);
  expect(longCode.lastChanceMs).toBe(longCode.leaveByMs);
});

test('pacing on the real Redis: a fast sender\'s send leaves, on time or held up past its slot, while its last second has room, and only then', async () => {
  const { redis } = app.deps;
  const prefix = app.config.queuePrefix;
  const key = '+15555550196';
  const mps = 100;
  const t0 = Date.now();
  const slotAt = (startMs: number): Slot => ({ startMs, leaveByMs: startMs + 15, lastChanceMs: startMs + LATE_DEPARTURE_MS });
  const leaves = (slot: Slot, at: number, id: string, segments = 1) => depart(redis, prefix, key, slot, segments, mps, at, id);
  // Sixty on time, ten ms apart.
  for (let i = 0; i < 60; i++) expect(await leaves(slotAt(t0 + i * 10), t0 + i * 10 + 5, `a${i}`)).toBe(true);
  // Held up 40 ms past their slots: they leave while the second holds at most 97 (the paced share of 100), no more.
  for (let i = 0; i < 37; i++) expect(await leaves(slotAt(t0 + 560), t0 + 600, `b${i}`)).toBe(true);
  expect(await leaves(slotAt(t0 + 560), t0 + 600, 'b37')).toBe(false);
  // On time or not, a fast sender's second holds no more.
  expect(await leaves(slotAt(t0 + 690), t0 + 695, 'c1')).toBe(false);
  // Past its last chance a send takes another slot, room or not.
  expect(await leaves(slotAt(t0 + 900), t0 + 1500, 'd1')).toBe(false);
  // Once the first ones are over a second old, their room is free again, for late sends too.
  expect(await leaves(slotAt(t0 + 990), t0 + 1021, 'e1')).toBe(true);
  expect(await leaves(slotAt(t0 + 990), t0 + 1021, 'e2', 2)).toBe(false); // two segments need two places
  // A 1-mps long code keeps the plain rule: a second and a half to leave in.
  const longCode: Slot = { startMs: t0, leaveByMs: t0 + 1530, lastChanceMs: t0 + 1530 };
  expect(await depart(redis, prefix, '+15555550195', longCode, 3, 1, t0 + 1200, 'f1')).toBe(true);
  expect(await depart(redis, prefix, '+15555550195', longCode, 1, 1, t0 + 1600, 'f2')).toBe(false);
  const unpaced: Slot = { startMs: t0, leaveByMs: Infinity, lastChanceMs: Infinity };
  expect(await depart(redis, prefix, '+15555550194', unpaced, 1, 0, t0 + 60_000, 'g1')).toBe(true);
});

test('pacing on the real Redis: bulk sends held up 0–40 ms past their slots for 3 s keep the sender near its cap and never over it in any second', async () => {
  const { redis } = app.deps;
  const prefix = app.config.queuePrefix;
  const key = '+15555550197';
  const mps = 100;
  const t0 = Date.now();
  const random = seededRandom(7);
  const departures: number[] = [];
  // Lanes asking every 5 ms of a clock this test moves take every slot they may; each send comes
  // back 0–40 ms after its slot's start, as a busy process lets it, and leaves or is turned back.
  let waiting: { slot: Slot; at: number; id: number }[] = [];
  let id = 0;
  for (let now = t0; now < t0 + 3000; now += 5) {
    for (let got = await takeBulkSlot(redis, prefix, key, 1, mps, now); 'startMs' in got; got = await takeBulkSlot(redis, prefix, key, 1, mps, now)) {
      waiting.push({ slot: got, at: got.startMs + random() * 40, id: id++ });
    }
    const due = waiting.filter((w) => w.at <= now);
    waiting = waiting.filter((w) => w.at > now);
    for (const w of due) if (await depart(redis, prefix, key, w.slot, 1, mps, now, String(w.id))) departures.push(now);
  }
  // Near the paced share (97% of the cap), less the first sends' own lateness; given up, a late send's slot would leave a third of that.
  expect(departures.length).toBeGreaterThanOrEqual(0.93 * mps * 3);
  const busiest = Math.max(...departures.map((d) => departures.filter((o) => o >= d && o < d + 1000).length));
  expect(busiest).toBeLessThanOrEqual(mps);
});

test('one school\'s paced backlog does not hold up another school\'s broadcast', async () => {
  clock.set('2026-11-18T15:00:00Z');
  const slow = await seedSchool(app.deps.db, { name: 'Slow Sender School', from: '+15555550195', mps: 1 });
  const quick = await seedSchool(app.deps.db, { name: 'Other Sender School', from: '+15555550196', mps: 1 });
  for (let i = 0; i < 15; i++) await family(slow.id);
  const q = [await family(quick.id), await family(quick.id)];
  const slowId = await create(slow.id);
  await waitFor(async () => (await sentCount(slowId)) >= 1, 20_000);
  const quickId = await create(quick.id);
  await waitFor(async () => (await view(quickId)).status === 'done', 20_000);
  for (const f of q) expect(await simInbox(app, f.phone)).toHaveLength(1);
  expect((await view(slowId)).counts.queued).toBeGreaterThan(5);
  await api(app, district, 'POST', `/broadcasts/${slowId}/cancel`);
  await batchesIdle(slowId);
});

test('jobs lost with Redis are given back by the tick from the database: the fan-out from its cursor, each page\'s batch', async () => {
  clock.set('2026-11-18T15:00:00Z');
  const school = await seedSchool(app.deps.db, { name: 'Lost Jobs School' });
  const fams = [await family(school.id), await family(school.id), await family(school.id)];
  const queue = app.deps.queues.broadcast;
  await queue.pause();
  let id = 0;
  try {
    id = await create(school.id);
    await queue.obliterate({ force: true }); // the fan-out job is gone before any worker took it
  } finally {
    await queue.resume();
  }
  await runTick(app);
  await fannedOut(id);
  await waitFor(async () => (await view(id)).status === 'done');
  for (const f of fams) expect(await simInbox(app, f.phone)).toHaveLength(1);

  const later = await create(school.id, { sendAt: '2026-11-18T18:00:00Z' });
  await fannedOut(later);
  for (const job of await queue.getDelayed()) if (job.data.broadcastId === later) await job.remove(); // its batch job is lost
  clock.set('2026-11-18T18:00:00Z');
  await runTick(app);
  await waitFor(async () => (await view(later)).status === 'done');
  for (const f of fams) expect(await simInbox(app, f.phone)).toHaveLength(2);
});

test('an audience everyone of which is skipped ends done at once, with the reasons', async () => {
  clock.set('2026-11-18T15:00:00Z');
  const school = await seedSchool(app.deps.db, { name: 'All Paused School' });
  const f = await family(school.id);
  await app.deps.db.update(families).set({ pausedUntil: '2026-12-24T00:00:00.000Z' }).where(eq(families.id, f.id));
  const id = await create(school.id);
  const done = await waitFor(async () => {
    const v = await view(id);
    return v.status === 'done' ? v : null;
  });
  expect(done.counts).toMatchObject({ skipped: 1, total: 1 });
  expect((await api(app, district, 'GET', `/broadcasts/${id}/report`)).body.rows).toEqual([expect.objectContaining({ familyId: f.id, status: 'skipped', reason: 'paused' })]);
});

test('a family that texts PAUSE after the fan-out does not get the reminder weeks late: it is skipped as paused', async () => {
  clock.set('2026-11-18T15:00:00Z');
  const school = await seedSchool(app.deps.db, { name: 'Late Pause School' });
  const keeps = await family(school.id);
  const pauses = await family(school.id);
  const id = await create(school.id, { sendAt: '2026-11-18T17:00:00Z' });
  await fannedOut(id);
  await app.deps.db.update(families).set({ pausedUntil: '2026-12-16T15:00:00.000Z' }).where(eq(families.id, pauses.id));
  clock.set('2026-11-18T17:00:00Z');
  await promoteDelayed();
  await waitFor(async () => (await view(id)).status === 'done');
  expect(await simInbox(app, keeps.phone)).toHaveLength(1);
  expect(await simInbox(app, pauses.phone)).toEqual([]);
  const rows = (await api(app, district, 'GET', `/broadcasts/${id}/report`)).body.rows;
  expect(rows.find((r: any) => r.familyId === pauses.id)).toMatchObject({ status: 'skipped', reason: 'paused' });
});
