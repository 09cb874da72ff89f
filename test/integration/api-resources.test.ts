import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { addStaffWithToken } from '../../src/staff/accounts';

/** Schools, families, conversations and messages through the staff API, as a client sees them. */

let app: TestApp;
let token: string;
const clock = new TestClock('2026-11-18T15:00:00Z'); // 10:00 in New York: inside quiet hours
const SCHOOL_FROM = '+15555550300';

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const textSchool = async (from: string, body: string) => {
  const res = await fetch(`${app.url}/sim/api/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, to: SCHOOL_FROM, body }),
  });
  expect(res.status).toBe(200);
};

/** Follows nextCursor until the end, answering every item seen. */
async function walk(path: string, limit: number): Promise<any[]> {
  const seen: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const { status, json } = await api('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(status).toBe(200);
    expect(json.items.length).toBeLessThanOrEqual(limit);
    seen.push(...json.items);
    cursor = json.nextCursor;
    if (cursor === null) return seen;
  }
  throw new Error('pagination did not end');
}

const family = (schoolId: number, name: string, phone: string) => ({
  schoolId,
  name: `${name} family`,
  language: 'en',
  guardians: [{ firstName: 'Pat', lastName: name, phone, relationship: 'parent' }],
  students: [{ firstName: 'Sam', lastName: name, grade: '4' }],
});

let schoolId: number;

beforeAll(async () => {
  app = await startTestApp('api-resources', { clock });
  ({ token } = await addStaffWithToken(app.deps.db, { email: 'district@familyline.test', role: 'district_admin' }, new Date(clock.now()).toISOString()));
  const created = await api('POST', '/schools', { name: 'Riverside Middle', timezone: 'America/New_York', from: '(555) 555-0300' });
  expect(created.status).toBe(201);
  schoolId = created.json.id;
});

afterAll(async () => {
  await app.stop();
});

describe('schools', () => {
  test('created, normalised, read back and listed', async () => {
    const { json } = await api('GET', `/schools/${schoolId}`);
    expect(json).toEqual(expect.objectContaining({ id: schoolId, name: 'Riverside Middle', timezone: 'America/New_York', from: SCHOOL_FROM, mps: 1, defaultLanguage: 'en' }));
    expect(typeof json.id).toBe('number');
    const list = await api('GET', '/schools');
    expect(list.json.items.map((s: any) => s.id)).toContain(schoolId);
    expect(list.json.nextCursor).toBeNull();
  });

  test('PATCH is partial, and from: null falls back to the deployment number', async () => {
    const other = await api('POST', '/schools', { name: 'Temp', timezone: 'America/Denver', from: '+15555550399' });
    const patched = await api('PATCH', `/schools/${other.json.id}`, { from: null, mps: 5 });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ name: 'Temp', timezone: 'America/Denver', from: null, mps: 5 });
    const bad = await api('PATCH', `/schools/${other.json.id}`, { timezone: 'Mars/Olympus_Mons' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.error.fields)).toEqual(['timezone']);
  });

  test('a school reads numbers written without a country code in its own region', async () => {
    const created = await api('POST', '/schools', { name: 'Escola Temp', timezone: 'America/Sao_Paulo' });
    expect(created.json.phoneRegion).toBe('US');
    const patched = await api('PATCH', `/schools/${created.json.id}`, { phoneRegion: 'br' });
    expect(patched.json.phoneRegion).toBe('BR');
    const bad = await api('PATCH', `/schools/${created.json.id}`, { phoneRegion: 'Atlantis' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields).toEqual({ phoneRegion: 'must be a country code such as US or CA' });
  });
});

describe('families', () => {
  test('a family is created with guardians and students, national phones in E.164, and reads back the same', async () => {
    const body = {
      schoolId,
      name: 'Rivera household',
      language: 'es',
      guardians: [
        { firstName: 'Ana', lastName: 'Rivera', phone: '(555) 555-0123', relationship: 'mother' },
        { firstName: 'Luis', lastName: 'Rivera', phone: '555.555.0124', relationship: 'father', language: 'en' },
      ],
      students: [
        { firstName: 'Leo', lastName: 'Rivera', grade: 'K' },
        { firstName: 'Mia', lastName: 'Rivera', grade: '3' },
      ],
    };
    const created = await api('POST', '/families', body);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ schoolId, name: 'Rivera household', language: 'es', active: true });
    expect(created.json.guardians.map((g: any) => g.phone)).toEqual(['+15555550123', '+15555550124']);
    expect(created.json.guardians.every((g: any) => g.canReceive && typeof g.id === 'number')).toBe(true);
    expect(created.json.students.map((s: any) => [s.firstName, s.grade])).toEqual([['Leo', 'K'], ['Mia', '3']]);
    const read = await api('GET', `/families/${created.json.id}`);
    expect(read.json).toEqual(created.json);
    const inSchool = await walk(`/families?schoolId=${schoolId}`, 50);
    expect(inSchool.map((f) => f.id)).toContain(created.json.id);
  });

  test('a number that cannot be one is a 400 naming the exact field', async () => {
    const body = family(schoolId, 'Bad', '+15555550140');
    body.guardians.push({ firstName: 'Max', lastName: 'Bad', phone: 'call me maybe', relationship: 'uncle' });
    const res = await api('POST', '/families', body);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: 'validation_failed', message: expect.any(String), fields: { 'guardians.1.phone': 'not a phone number' } });
  });

  test('PATCH changes name and language', async () => {
    const created = await api('POST', '/families', family(schoolId, 'Kim', '+15555550141'));
    const patched = await api('PATCH', `/families/${created.json.id}`, { name: 'Kim-Park family', language: 'KO' });
    expect(patched.json).toMatchObject({ name: 'Kim-Park family', language: 'ko' });
    expect((await api('PATCH', `/families/${created.json.id}`, { language: 'klingon' })).status).toBe(400);
  });

  test('limit=2 walks every family exactly once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push((await api('POST', '/families', family(schoolId, `Page${i}`, `+1555555015${i}`))).json.id);
    const all = await walk('/families', 2);
    const seen = all.map((f) => f.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(seen.length).toBe((await walk('/families', 500)).length);
  });
});

describe('conversations and messages', () => {
  let familyId: number;
  const PARENT = '+15555550160';

  beforeAll(async () => {
    familyId = (await api('POST', '/families', family(schoolId, 'Okafor', PARENT))).json.id;
  });

  test('an inbound text shows as an unread conversation; reading it marks it read', async () => {
    await textSchool(PARENT, 'Is practice cancelled today?');
    const conv = await waitFor(async () => (await api('GET', `/conversations?familyId=${familyId}`)).json.items[0]);
    expect(conv).toMatchObject({ familyId, schoolId, unmatchedNumber: null, unread: true, unreadCount: 1 });
    expect((await api('GET', `/conversations?unread=true&schoolId=${schoolId}`)).json.items.map((c: any) => c.id)).toContain(conv.id);
    const msgs = await api('GET', `/conversations/${conv.id}/messages`);
    expect(msgs.json.items).toEqual([
      expect.objectContaining({ direction: 'inbound', body: 'Is practice cancelled today?', from: PARENT, to: SCHOOL_FROM, status: 'received' }),
    ]);
    const after = await api('GET', `/conversations/${conv.id}`);
    expect(after.json).toMatchObject({ id: conv.id, unread: false, unreadCount: 0 });
  });

  test('a staff reply answers 202 and its message shows every status callback', async () => {
    const conv = (await api('GET', `/conversations?familyId=${familyId}`)).json.items[0];
    const sent = await api('POST', `/conversations/${conv.id}/messages`, { body: '  Practice is on at 4.  ' });
    expect(sent.status).toBe(202);
    expect(sent.json.recipients).toEqual([{ id: sent.json.id, to: PARENT, status: sent.json.status }]);
    const done = await waitFor(async () => {
      const m = (await api('GET', `/messages/${sent.json.id}`)).json;
      return m.status === 'delivered' && m.events.length >= 2 ? m : null;
    });
    expect(done).toMatchObject({ direction: 'outbound', kind: 'reply', body: 'Practice is on at 4.', to: PARENT, urgent: false, encoding: 'GSM-7', segments: 1 });
    expect(done.events.map((e: any) => e.status)).toEqual(expect.arrayContaining(['sent', 'delivered']));
    expect(done.events.every((e: any) => typeof e.at === 'string')).toBe(true);
    const thread = await api('GET', `/conversations/${conv.id}/messages`);
    expect(thread.json.items.map((m: any) => m.direction)).toEqual(['inbound', 'outbound']);
  });

  test('numbers no roster knows are unmatched conversations, paged newest first exactly once', async () => {
    for (let i = 0; i < 5; i++) await textSchool(`+1555555017${i}`, `hello ${i}`);
    const unmatched = await waitFor(async () => {
      const items = await walk(`/conversations?unmatched=true&schoolId=${schoolId}`, 2);
      return items.length === 5 ? items : null;
    });
    expect(new Set(unmatched.map((c) => c.id)).size).toBe(5);
    expect(unmatched.every((c) => c.familyId === null && /^\+1555555017\d$/.test(c.unmatchedNumber))).toBe(true);
    const times = unmatched.map((c) => c.lastMessageAt ?? '');
    expect([...times].sort().reverse()).toEqual(times);
    const everything = await walk('/conversations', 2);
    expect(new Set(everything.map((c) => c.id)).size).toBe(everything.length);
    expect(everything.length).toBe(6);
  });

  test('an empty reply is refused with the field named', async () => {
    const conv = (await api('GET', `/conversations?familyId=${familyId}`)).json.items[0];
    const res = await api('POST', `/conversations/${conv.id}/messages`, { body: '   ' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.json.error.fields)).toEqual(['body']);
  });
});
