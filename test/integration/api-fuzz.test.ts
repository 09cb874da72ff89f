import { seededRandom } from '../../src/lib/seeded-random';
import { startTestApp, type TestApp } from '../helpers/app';
import { addStaffWithToken } from '../../src/staff/accounts';

/**
 * Generated malformed input across the API: client mistakes are 400s (or 404s for ids that
 * cannot exist), never a 500, and always the error JSON shape. The generator is seeded, so a
 * failure names a case that reruns identically.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261118);
let app: TestApp;
let token: string;
let schoolId: number;
let familyId: number;

const rand = seededRandom(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(rand() * 95))).join('');

/** Values that are wrong for the named kind of field, whatever else they are. */
const WRONG: Record<string, unknown[]> = {
  text: [null, 0, 12.5, true, [], {}, '', '   ', 'x'.repeat(5000), ['a']],
  phone: [null, 5555550123, 'banana', '12', '+', '+1 555', '☎', {}, [], '1'.repeat(30)],
  id: [null, 0, -1, 1.5, '1', 'one', 1e20, [], {}, true],
  tz: [null, 5, '', 'Mars/Base', 'America/Nowhere', 'UTC+99', {}, 'x'.repeat(300)],
  lang: [null, 5, '', 'english', 'xx', 'e', 'ESP', {}, []],
  grade: [null, 13, -1, '13', 'first', 'KG1', '', {}, 2.5],
  list: [null, 'x', 5, {}, [], [null], [1, 2], [[]]],
  bool: ['true', 1, 0, 'yes', null, [], {}],
  mps: [-1, 1.5, '5', null, 100000, 'fast'],
  // A preview of an empty compose box is fine; a non-string or an over-long text is not.
  preview: [null, 5, 'x'.repeat(1601), {}, [], false],
};

const validFamily = () => ({
  schoolId,
  name: 'Fuzz family',
  language: 'en',
  guardians: [{ firstName: 'Fay', lastName: 'Fuzz', phone: '+15555550501', relationship: 'mother' }],
  students: [{ firstName: 'Finn', lastName: 'Fuzz', grade: '2' }],
});

interface Case {
  label: string;
  method: string;
  path: string;
  raw?: string;
  contentType?: string;
  expect: number[];
}

function bodyCases(): Case[] {
  const targets: { method: string; path: () => string; valid: () => Record<string, any>; fields: [string, string][] }[] = [
    { method: 'POST', path: () => '/schools', valid: () => ({ name: 'S', timezone: 'America/New_York' }), fields: [['name', 'text'], ['timezone', 'tz'], ['from', 'phone'], ['defaultLanguage', 'lang'], ['mps', 'mps']] },
    { method: 'PATCH', path: () => `/schools/${schoolId}`, valid: () => ({}), fields: [['name', 'text'], ['timezone', 'tz'], ['from', 'phone'], ['mps', 'mps']] },
    {
      method: 'POST',
      path: () => '/families',
      valid: validFamily,
      fields: [['schoolId', 'id'], ['name', 'text'], ['language', 'lang'], ['guardians', 'list'], ['students', 'list'], ['guardians.0.phone', 'phone'], ['guardians.0.firstName', 'text'], ['students.0.grade', 'grade'], ['guardians.0.language', 'lang']],
    },
    { method: 'PATCH', path: () => `/families/${familyId}`, valid: () => ({}), fields: [['name', 'text'], ['language', 'lang']] },
    { method: 'POST', path: () => '/messages/preview', valid: () => ({ body: 'hi' }), fields: [['body', 'preview']] },
  ];
  const cases: Case[] = [];
  for (let i = 0; i < 40; i++) {
    const t = pick(targets);
    const body = t.valid();
    const [field, kind] = pick(t.fields);
    let value = pick(WRONG[kind]);
    // An explicit null is a valid "unset" for these optional fields, so use another wrong value.
    if (value === null && ['from', 'guardians.0.language'].includes(field)) value = 42;
    const keys = field.split('.');
    let node: any = body;
    for (const k of keys.slice(0, -1)) node = node[k];
    node[keys[keys.length - 1]] = value;
    cases.push({ label: `${t.method} ${t.path()} ${field}=${JSON.stringify(value)?.slice(0, 40)}`, method: t.method, path: t.path(), raw: JSON.stringify(body), expect: [400] });
  }
  const rawBodies = ['{', '{"name":', 'null', '"string"', '[1,2', 'true', '{"a":1}}', '\u0000', `{"${junk(5)}":}`, junk(40), '{"name":"x",}', '[]'];
  for (const raw of rawBodies) {
    const method = pick(['POST', 'PATCH']);
    const path = method === 'POST' ? pick(['/schools', '/families', '/messages/preview']) : pick([`/schools/${schoolId}`, `/families/${familyId}`]);
    cases.push({ label: `${method} ${path} raw ${JSON.stringify(raw)}`, method, path, raw, expect: [400] });
  }
  cases.push({ label: 'form body', method: 'POST', path: '/families', raw: 'schoolId=1&name=x', contentType: 'application/x-www-form-urlencoded', expect: [400] });
  cases.push({ label: 'oversized body', method: 'POST', path: '/messages/preview', raw: JSON.stringify({ body: 'x'.repeat(200_000) }), expect: [400, 413] });
  return cases;
}

function queryCases(): Case[] {
  const lists = ['/schools', '/families', '/conversations', '/conversations/1/messages'];
  const wrong = [
    'limit=0', 'limit=501', 'limit=-5', 'limit=abc', 'limit=1.5', 'limit=', 'limit=1&limit=2', 'limit[]=3',
    'cursor=!!!', 'cursor=%ZZ', `cursor=${junk(3).replace(/[^A-Za-z]/g, 'q')}`, `cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
    `cursor=${Buffer.from('[-1]').toString('base64url')}`, 'cursor=' + 'A'.repeat(600), 'bogus=1',
  ];
  const convOnly = ['unread=maybe', 'unmatched=1', 'familyId=abc', 'schoolId=-1', 'familyId=1e3', 'unread=true&unread=false'];
  const cases: Case[] = [];
  for (let i = 0; i < 25; i++) {
    const path = pick(lists);
    const q = path === '/conversations' && rand() < 0.4 ? pick(convOnly) : pick(wrong);
    // The messages list of a conversation that does not exist may answer 404 before reading the query.
    cases.push({ label: `GET ${path}?${q}`, method: 'GET', path: `${path}?${q}`, expect: path.endsWith('/messages') ? [400, 404] : [400] });
  }
  for (const id of ['abc', '0', '-1', '1.5', '9'.repeat(30), '%E0%A4%A', '..', 'null', '1e3']) {
    const base = pick(['/schools/', '/families/', '/conversations/', '/messages/']);
    cases.push({ label: `GET ${base}${id}`, method: 'GET', path: base + id, expect: [400, 404] });
  }
  return cases;
}

beforeAll(async () => {
  app = await startTestApp('api-fuzz');
  ({ token } = await addStaffWithToken(app.deps.db, { email: 'fuzz@familyline.test', role: 'district_admin' }, new Date().toISOString()));
  const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  schoolId = (await (await fetch(`${app.url}/api/v1/schools`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'F', timezone: 'UTC' }) })).json()).id;
  familyId = (await (await fetch(`${app.url}/api/v1/families`, { method: 'POST', headers: h, body: JSON.stringify(validFamily()) })).json()).id;
});

afterAll(async () => {
  await app.stop();
});

test(`generated malformed bodies and query strings are client errors, never 500 (seed ${SEED})`, async () => {
  const cases = [...bodyCases(), ...queryCases()];
  expect(cases.length).toBeGreaterThanOrEqual(50);
  const wrong: string[] = [];
  for (const c of cases) {
    const res = await fetch(`${app.url}/api/v1${c.path}`, {
      method: c.method,
      headers: { authorization: `Bearer ${token}`, ...(c.raw !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}) },
      body: c.raw,
    });
    const json = await res.json().catch(() => null);
    const shaped = json && typeof json.error?.code === 'string' && typeof json.error?.message === 'string';
    if (!c.expect.includes(res.status) || !shaped) wrong.push(`${c.label} → ${res.status} ${JSON.stringify(json)?.slice(0, 200)}`);
  }
  expect(wrong).toEqual([]);
});

test('a validation error names each field by its dotted path', async () => {
  const body = validFamily();
  (body.students[0] as any).grade = '13';
  (body.guardians[0] as any).phone = 'nope';
  const res = await fetch(`${app.url}/api/v1/families`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(400);
  expect(Object.keys((await res.json()).error.fields).sort()).toEqual(['guardians.0.phone', 'students.0.grade']);
});
