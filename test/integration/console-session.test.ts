import IORedis from 'ioredis';
import { startTestApp, type TestApp } from '../helpers/app';
import { ConsoleClient } from '../helpers/console';
import { addStaffWithToken } from '../../src/staff/accounts';
import { MAX_FAILURES } from '../../src/http/console/sign-in';

/** Console sign-in, sessions in Redis, CSRF and security headers, over real HTTP. */

let app: TestApp;
let redis: IORedis;
const PASSWORD = 'a long enough passphrase';

beforeAll(async () => {
  app = await startTestApp('console-session');
  redis = new IORedis(app.config.redisUrl);
  const now = new Date(app.deps.clock.now()).toISOString();
  for (const email of ['lee@console.test', 'limited@console.test']) {
    await addStaffWithToken(app.deps.db, { email, role: 'district_admin', name: 'Ms. Lee', password: PASSWORD }, now);
  }
});

afterAll(async () => {
  await redis.quit();
  await app.stop();
});

test('a page asks for sign-in first and comes back to it after', async () => {
  const c = new ConsoleClient(app.url);
  const first = await c.get('/console/classes');
  expect(first.status).toBe(303);
  expect(first.res.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole%2Fclasses');
  await c.get('/console/sign-in?next=%2Fconsole%2Fclasses');
  const res = await c.post('/console/sign-in', { email: 'LEE@console.test ', password: PASSWORD, next: '/console/classes' });
  expect(res.status).toBe(303);
  expect(res.location).toBe('/console/classes');
});

test('sign-in regenerates the session id; the cookie is HttpOnly, SameSite=Lax and Secure; the session is in Redis', async () => {
  const c = new ConsoleClient(app.url);
  await c.get('/console/sign-in');
  const before = c.cookies.get('fl.sid');
  expect(before).toBeTruthy();
  const res = await c.post('/console/sign-in', { email: 'lee@console.test', password: PASSWORD });
  expect(res.status).toBe(303);
  const after = c.cookies.get('fl.sid');
  expect(after).toBeTruthy();
  expect(after).not.toBe(before);
  const cookie = c.lastSetCookie.find((h) => h.startsWith('fl.sid='))!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  expect(cookie).toMatch(/; Secure/i);
  expect(cookie).toMatch(/Path=\/console/);
  const sid = decodeURIComponent(after!).slice(2).split('.')[0];
  const stored = await redis.get(`${app.config.queuePrefix}:console:sess:${sid}`);
  expect(JSON.parse(stored!).staffId).toEqual(expect.any(Number));
  expect((await c.get('/console/inbox')).status).toBe(200);
});

test('a wrong password and an unknown email get the same answer', async () => {
  const c = new ConsoleClient(app.url);
  const wrong = await c.signIn('lee@console.test', 'not the passphrase');
  const unknown = await c.signIn('nobody@console.test', PASSWORD);
  expect(wrong.status).toBe(401);
  expect(unknown.status).toBe(401);
  const message = (html: string) => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];
  expect(message(wrong.html)).toBeTruthy();
  expect(message(wrong.html)).toBe(message(unknown.html));
  expect((await c.get('/console/inbox')).status).toBe(303);
});

test('a form without its CSRF token, or with another session’s, is a 403 page, never a 500', async () => {
  const mallory = new ConsoleClient(app.url);
  await mallory.get('/console/sign-in');
  const c = new ConsoleClient(app.url);
  await c.get('/console/sign-in');
  const missing = await c.post('/console/sign-in', { email: 'lee@console.test', password: PASSWORD }, { csrf: null });
  expect(missing.status).toBe(403);
  expect(missing.html).toContain('This form has expired');
  const foreign = await c.post('/console/sign-in', { email: 'lee@console.test', password: PASSWORD }, { csrf: mallory.csrf });
  expect(foreign.status).toBe(403);
  const garbage = await c.post('/console/sign-in', { email: 'lee@console.test', password: PASSWORD }, { csrf: 'x'.repeat(5000) });
  expect(garbage.status).toBe(403);
  // Signed in, the sign-out form needs the token too.
  await c.signIn('lee@console.test', PASSWORD);
  expect((await c.post('/console/sign-out', {}, { csrf: null })).status).toBe(403);
  expect((await c.get('/console/inbox')).status).toBe(200);
});

test('sign-out destroys the session: the old cookie opens nothing', async () => {
  const c = new ConsoleClient(app.url);
  await c.signIn('lee@console.test', PASSWORD);
  const sid = c.cookies.get('fl.sid')!;
  await c.get('/console/inbox');
  const out = await c.post('/console/sign-out', {});
  expect(out.status).toBe(303);
  expect(out.location).toBe('/console/sign-in');
  const replay = new ConsoleClient(app.url);
  replay.cookies.set('fl.sid', sid);
  expect((await replay.get('/console/inbox')).status).toBe(303);
});

test('repeated failures for one email are refused for a while, even with the right password', async () => {
  const c = new ConsoleClient(app.url);
  for (let i = 0; i < MAX_FAILURES.email; i++) expect((await c.signIn('limited@console.test', `wrong guess ${i}`)).status).toBe(401);
  const blocked = await c.signIn('limited@console.test', PASSWORD);
  expect(blocked.status).toBe(429);
  expect(blocked.html).toContain('Too many failed attempts');
});

test('console pages carry a CSP without inline scripts; the simulator phone and the API keep theirs', async () => {
  const c = new ConsoleClient(app.url);
  const page = await c.get('/console/sign-in');
  const csp = page.res.headers.get('content-security-policy')!;
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(page.res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)/);
  expect(page.html).not.toMatch(/\sstyle=/);
  const sim = await fetch(`${app.url}/sim`);
  expect(sim.status).toBe(200);
  expect(sim.headers.get('content-security-policy')).toBeNull();
  const api = await fetch(`${app.url}/api/v1/schools`);
  expect(api.status).toBe(401);
  expect((await api.json()).error.code).toBe('unauthorized');
});

test('an unknown console page is a 404 page; static files are served', async () => {
  const c = new ConsoleClient(app.url);
  await c.signIn('lee@console.test', PASSWORD);
  const missing = await c.get('/console/nowhere');
  expect(missing.status).toBe(404);
  expect(missing.res.headers.get('content-type')).toMatch(/text\/html/);
  const css = await fetch(`${app.url}/console/static/console.css`);
  expect(css.status).toBe(200);
  expect((await fetch(`${app.url}/console/static/nope.js`)).status).toBe(404);
});
