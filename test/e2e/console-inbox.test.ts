import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchChromium } from '../helpers/browser';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { eq } from 'drizzle-orm';
import { addStaffWithToken } from '../../src/staff/accounts';
import { messages } from '../../db/schema';

/** The console in real Chromium: sign in by keyboard, answer a parent from the inbox, stay inside one's classes. */

const FROM = '+15555550701';
const PARENT = '+15555550711';
const PASSWORD = 'chromium test passphrase';
const SHOTS = path.join(__dirname, 'screenshots');

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const ids = { otherFamily: 0, classId: 0, familyId: 0 };

// A browser test walks many steps, each waiting for a state; on a loaded two-core CI machine
// the steps together can pass jest's 30 s default although none of them hangs (each has its own
// playwright timeout, which names the step that did not come).
jest.setTimeout(90_000);

beforeAll(async () => {
  app = await startTestApp('console-e2e', { clock: new TestClock('2026-11-18T15:00:00Z') });
  const db = app.deps.db;
  const now = new Date(app.deps.clock.now()).toISOString();
  const school = await seedSchool(db, { from: FROM });
  const lee = await addStaffWithToken(db, { email: 'lee@e2e.test', role: 'teacher', schoolId: school.id, name: 'Ms. Lee', password: PASSWORD }, now);
  const park = await addStaffWithToken(db, { email: 'park@e2e.test', role: 'teacher', schoolId: school.id, name: 'Mr. Park' }, now);
  const garcia = await seedFamily(db, school.id, { name: 'Garcia', language: 'es', guardians: [{ first: 'Rosa', phone: PARENT }], students: [{ first: 'Maria', grade: '3' }] });
  const other = await seedFamily(db, school.id, { name: 'Okafor', guardians: [{ first: 'Chi', phone: '+15555550712' }], students: [{ first: 'Ada', grade: '4' }] });
  ids.familyId = garcia.family.id;
  ids.otherFamily = other.family.id;
  const mine = await seedClass(db, school.id, { title: 'Grade 3 Reading', teacherIds: [lee.staff.id] });
  ids.classId = mine.id;
  await enroll(db, mine.id, garcia.students.map((s) => s.id));
  const theirs = await seedClass(db, school.id, { title: 'Grade 4 Math', teacherIds: [park.staff.id] });
  await enroll(db, theirs.id, other.students.map((s) => s.id));
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  // As behind the TLS proxy PUBLIC_BASE_URL (https) names: the session cookie is Secure.
  context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-proto': 'https' }, viewport: { width: 1100, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const simReceived = async (): Promise<{ body: string; status: string }[]> =>
  (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(PARENT)}`)).json()).items;

test('sign in with the keyboard alone', async () => {
  await page.goto(`${app.url}/console/inbox`);
  await expect(page.title()).resolves.toBe('Sign in · FamilyLine');
  await expectAccessible(page);
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== 'email'; i++) await page.keyboard.press('Tab');
  await page.keyboard.type('lee@e2e.test');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/console\/inbox$/);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Inbox');
  const cookie = (await context.cookies()).find((c) => c.name === 'fl.sid');
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' });
});

test("a parent's text appears in the inbox without a reload; the teacher answers it and sees it delivered", async () => {
  await page.goto(`${app.url}/console/inbox?tab=office`);
  await page.waitForFunction(() => document.documentElement.getAttribute('data-live') === 'open');
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: PARENT, to: FROM, body: '¿Cómo va Maria en lectura?' }) });
  const row = page.getByRole('link', { name: /Garcia/ });
  await row.waitFor();
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await expect(row.textContent()).resolves.toMatch(/Maria[\s\S]*1 unread[\s\S]*10:0\d AM[\s\S]*¿Cómo va Maria en lectura\?/);
  await expectAccessible(page);
  await page.screenshot({ path: path.join(SHOTS, 'inbox.png'), fullPage: true });

  await row.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/console\/conversations\/\d+$/);
  await page.getByText('¿Cómo va Maria en lectura?').waitFor();
  const box = page.getByRole('textbox', { name: 'Your message' });
  await box.fill('Muy bien. Lee 20 minutos cada noche.');
  await page.locator('#reply-counter').filter({ hasText: 'GSM-7 · 1 segment' }).waitFor();
  await box.fill('Muy bien. Leyó 20 minutos cada noche.');
  await page.locator('#reply-counter').filter({ hasText: 'UCS-2 · 1 segment' }).waitFor();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.getByText('Reply sent.').waitFor();
  const sent = await waitFor(async () => (await simReceived()).find((m) => m.body.startsWith('Muy bien. Leyó')));
  expect(sent.body).toBe('Muy bien. Leyó 20 minutos cada noche.\n— Ms. Lee');
  // The simulator's delivery callback moves the status on the open page, live.
  await page.locator('.msg.out .status[data-status="delivered"]').waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'conversation.png'), fullPage: true });
});

test('a text that comes while the page is still opening its live connection shows once the connection opens', async () => {
  // The page's live connection is held until the text is stored, so the text's event reaches nobody.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/console/events', async (route) => {
    await held;
    await route.continue();
  });
  try {
    await page.reload();
    const body = 'Gracias. ¿Y en matemáticas?';
    await fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: PARENT, to: FROM, body }) });
    await waitFor(async () => (await app.deps.db.select({ id: messages.id }).from(messages).where(eq(messages.body, body)))[0]);
    expect(await page.getByText(body).count()).toBe(0);
    release();
    await page.getByText(body).waitFor();
  } finally {
    release();
    await page.unroute('**/console/events');
  }
});

test('classes, a class and a family page are accessible; another class’s family is a 404', async () => {
  await page.goto(`${app.url}/console/classes`);
  await expectAccessible(page);
  await page.getByRole('link', { name: /Grade 3 Reading/ }).click();
  await page.getByRole('link', { name: /Rosa Garcia/ }).waitFor();
  await expectAccessible(page);
  await page.getByRole('link', { name: /Rosa Garcia/ }).click();
  await page.waitForURL(new RegExp(`/console/families/${ids.familyId}$`));
  await expectAccessible(page);
  const res = await page.goto(`${app.url}/console/families/${ids.otherFamily}`);
  expect(res?.status()).toBe(404);
  await expect(page.title()).resolves.toBe('Page not found · FamilyLine');
  expect(await page.content()).not.toContain('Okafor');
  await expectAccessible(page);
});
