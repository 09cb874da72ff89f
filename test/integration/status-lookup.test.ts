import { runTick, startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';
import { insertOutbound } from '../../db/repositories/messages';
import { conversations } from '../../db/schema';

/**
 * Texts whose final status never came are looked up at the provider by the worker's tick; each
 * status is asked about once, so a carrier that never sends a receipt is not asked every minute.
 */

const SCHOOL_FROM = '+15555550500';
const PARENT = '+15555550511';
const clock = new TestClock();
let app: TestApp;
let token: string;
let conversationId: number;

const message = async (id: number) =>
  (await (await fetch(`${app.url}/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;

beforeAll(async () => {
  app = await startTestApp('status-lookup', { clock });
  const school = await seedSchool(app.deps.db, { from: SCHOOL_FROM });
  const { family } = await seedFamily(app.deps.db, school.id, { name: 'Haddad', guardians: [{ first: 'Rania', phone: PARENT }] });
  ({ token } = await addStaffWithToken(app.deps.db, { email: 'office@familyline.test', role: 'school_admin', schoolId: school.id }, new Date(clock.now()).toISOString()));
  [{ id: conversationId }] = await app.deps.db.insert(conversations).values({ schoolId: school.id, familyId: family.id, createdAt: new Date(clock.now()).toISOString() }).returning();
});

afterAll(async () => {
  await app.stop();
});

test('a text the carrier still has at "sent" after 30 minutes is looked up once, and keeps its status', async () => {
  app.simulator!.setDeliveryDelay(60_000); // no receipt from the handset while the test runs
  try {
    const res = await fetch(`${app.url}/api/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'Picture day is Thursday.' }),
    });
    const { id } = await res.json();
    await waitFor(async () => (await message(id)).status === 'sent');

    clock.advance(31 * 60_000);
    await runTick(app);
    const asked = await message(id);
    expect(asked.status).toBe('sent');
    expect(asked.events).toEqual([
      expect.objectContaining({ status: 'sent', source: 'callback' }),
      expect.objectContaining({ status: 'sent', source: 'lookup', at: new Date(clock.now()).toISOString() }),
    ]);

    clock.advance(31 * 60_000);
    await runTick(app);
    expect((await message(id)).events).toHaveLength(2);
  } finally {
    app.simulator!.setDeliveryDelay(100);
  }
});

test('a text the provider does not know is marked so once; one sent days ago is not asked about', async () => {
  const at = (msAgo: number) => new Date(clock.now() - msAgo).toISOString();
  const row = (sid: string, sentAgo: number) => ({
    direction: 'outbound' as const,
    kind: 'reply' as const,
    body: 'Bus 12 runs late today.',
    fromNumber: SCHOOL_FROM,
    toNumber: PARENT,
    status: 'sent' as const,
    providerSid: sid,
    sentAt: at(sentAgo),
    createdAt: at(sentAgo),
    updatedAt: at(sentAgo),
  });
  const [unknown, old] = await insertOutbound(app.deps.db, conversationId, [
    row('SM' + 'ab'.repeat(16), 31 * 60_000),
    row('SM' + 'cd'.repeat(16), 3 * 24 * 3_600_000),
  ]);

  await runTick(app);
  await runTick(app);
  const asked = await message(unknown.id);
  expect(asked.status).toBe('sent');
  expect(asked.events).toEqual([expect.objectContaining({ status: 'unknown', errorCode: 20404, source: 'lookup' })]);
  expect((await message(old.id)).events).toEqual([]);
});
