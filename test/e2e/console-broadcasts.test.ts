import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchChromium } from '../helpers/browser';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { seedFamily, seedSchool } from '../helpers/seed';
import { api, simInbox } from '../helpers/broadcasts';
import { addStaffWithToken } from '../../src/staff/accounts';
import { segmentInfo } from '../../src/i18n/segments';
import { publishBroadcastLive } from '../../src/reminders/live';

/**
 * A school admin's broadcast in real Chromium, start to finish: compose to one grade with an
 * English and a Spanish text, read the preview (count, languages, the Portuguese family's
 * fallback, segments and cost), send, watch it reach "Done" without a reload while the simulator's
 * phones each get their text once, then the report and its CSV. A second, scheduled broadcast is
 * paused and canceled. axe on the compose, preview, progress and report pages.
 */

const FROM = '+15555550931';
const ROSA = '+15555550941'; // Garcia, Spanish, grade 3
const HAI = '+15555550942'; // Nguyen, English, grade 3
const ANA = '+15555550943'; // Silva, Portuguese, grade 3: no Portuguese text, so English
const OLA = '+15555550944'; // Nowak, grade 4: not in the grade-3 audience
const PASSWORD = 'broadcast chromium passphrase';
const SHOTS = path.join(__dirname, 'screenshots');
const ENGLISH = 'Maple Street: parent conferences are Thursday 4-7 pm. Reply 1 to book a time.';
const SPANISH = 'Maple Street: las reuniones de padres son el jueves de 4 a 7 pm. Responda 1 para reservar una hora.';

let app: TestApp;
let browser: Browser;
let adminToken = '';
const ids = { school: 0 };

// A browser test walks many steps, each waiting for a state (see console-composer.test.ts).
jest.setTimeout(90_000);

beforeAll(async () => {
  app = await startTestApp('console-broadcasts-e2e', { clock: new TestClock('2026-11-18T15:00:00Z') }); // 10:00 in New York
  const db = app.deps.db;
  const now = new Date(app.deps.clock.now()).toISOString();
  const school = await seedSchool(db, { name: 'Maple Street School', from: FROM });
  ids.school = school.id;
  adminToken = (await addStaffWithToken(db, { email: 'admin@broadcast-e2e.test', role: 'school_admin', schoolId: school.id, name: 'Ms. Principal', password: PASSWORD }, now)).token;
  await seedFamily(db, school.id, { name: 'Garcia', language: 'es', guardians: [{ first: 'Rosa', phone: ROSA }], students: [{ first: 'Maria', grade: '3' }] });
  await seedFamily(db, school.id, { name: 'Nguyen', guardians: [{ first: 'Hai', phone: HAI }], students: [{ first: 'Tam', grade: '3' }] });
  await seedFamily(db, school.id, { name: 'Silva', language: 'pt', guardians: [{ first: 'Ana', phone: ANA }], students: [{ first: 'Bia', grade: '3' }] });
  await seedFamily(db, school.id, { name: 'Nowak', language: 'pl', guardians: [{ first: 'Ola', phone: OLA }], students: [{ first: 'Jan', grade: '4' }] });
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function signedIn(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-proto': 'https' }, viewport: { width: 1100, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${app.url}/console/sign-in`);
  await page.getByLabel('Email').fill('admin@broadcast-e2e.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/console\/inbox$/);
  return { context, page };
}

const cell = (page: Page, selector: string) => page.locator(selector).textContent().then((t) => (t ?? '').trim());

test('an admin sends a grade its conferences reminder in two languages, watches it finish live, and downloads the report', async () => {
  const { context, page } = await signedIn();
  await page.getByRole('link', { name: 'Broadcasts' }).click();
  await page.waitForURL(/\/console\/broadcasts$/);
  await page.getByRole('link', { name: 'New broadcast' }).click();
  await page.waitForURL(/\/console\/broadcasts\/new$/);
  await expectAccessible(page);

  // A grade audience with no grade ticked: said next to the grades, nothing previewed.
  await page.getByLabel('Some grades').check();
  await page.getByLabel('English text (required)').fill(ENGLISH);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(cell(page, '#grades-error')).resolves.toMatch(/at least one grade/i);
  await expectAccessible(page);

  await page.getByLabel('Grade 3').check();
  await expect(page.getByLabel('Grade 4').isChecked()).resolves.toBe(false);
  await page.getByLabel('Spanish text').fill(SPANISH);
  // compose.js counts each text's segments as it is typed.
  const es = segmentInfo(SPANISH);
  await page.locator('#text_es-length').filter({ hasText: `${es.encoding} · ${es.segments} segment` }).waitFor();
  await page.getByRole('button', { name: 'Preview' }).click();

  const en = segmentInfo(ENGLISH);
  await expect(cell(page, '#preview-recipients')).resolves.toBe('3');
  await expect(page.locator('#preview-languages tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-language')).sort())).resolves.toEqual(['en', 'es', 'pt']);
  const spanishRow = page.locator('#preview-languages tr[data-language="es"]');
  await expect(spanishRow.locator('.sms').textContent()).resolves.toBe(SPANISH);
  await expect(spanishRow.locator('.segments').textContent()).resolves.toBe(String(es.segments));
  await expect(page.locator('#preview-languages tr[data-language="pt"] .sms').textContent()).resolves.toBe(ENGLISH);
  await page.getByText('1 family reads Portuguese, which has no text here: they will get the English text.').waitFor();
  await expect(cell(page, '#preview-cost')).resolves.toBe(`${es.segments + 2 * en.segments} segments`);
  await expect(page.locator('#preview-heading').evaluate((h) => h === document.activeElement)).resolves.toBe(true);
  await expectAccessible(page);
  await page.screenshot({ path: path.join(SHOTS, 'broadcast-preview.png'), fullPage: true });

  // The send form as the browser will post it, to post it a second time below.
  const sendFields = await page.locator('#send-form').evaluate((f) => Object.fromEntries(Array.from(f.querySelectorAll('input')).map((i) => [i.name, i.value])) as Record<string, string>);
  // The broadcast queue waits until the progress page is open, so the page sees it move.
  await app.deps.queues.broadcast.pause();
  await page.getByRole('button', { name: 'Send now (3 texts)' }).click();
  await page.waitForURL(/\/console\/broadcasts\/\d+$/);
  const id = Number(/\/broadcasts\/(\d+)$/.exec(page.url())![1]);
  await expect(cell(page, '#status-word')).resolves.toBe('Scheduled');
  await expectAccessible(page);
  // The page stays this one document while the counts move: a reload would drop this mark.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.locator('html[data-live="open"]').waitFor();
  await app.deps.queues.broadcast.resume();
  await page.locator('#broadcast-status[data-status="done"]').waitFor();
  await expect(cell(page, '#progress-text')).resolves.toBe('3 of 3 handled (100%)');
  // The buttons follow the status too: nothing left to pause or cancel.
  await page.getByRole('button', { name: 'Pause' }).waitFor({ state: 'detached' });
  await expect(page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).resolves.toBe(true);
  await expectAccessible(page);
  await page.screenshot({ path: path.join(SHOTS, 'broadcast-progress.png'), fullPage: true });

  // Each phone of grade 3 got its text exactly once, in its language; grade 4's phone nothing.
  await waitFor(async () => (await simInbox(app, ANA)).length === 1);
  expect((await simInbox(app, ROSA)).map((m) => m.body)).toEqual([SPANISH]);
  expect((await simInbox(app, HAI)).map((m) => m.body)).toEqual([ENGLISH]);
  expect((await simInbox(app, ANA)).map((m) => m.body)).toEqual([ENGLISH]);
  expect(await simInbox(app, OLA)).toEqual([]);

  // The same send posted again (a double click, a resent form) answers with the same broadcast.
  const again = await context.request.post(`${app.url}/console/broadcasts`, { form: sendFields, maxRedirects: 0 });
  expect([again.status(), again.headers().location]).toEqual([303, `/console/broadcasts/${id}`]);
  expect((await api(app, adminToken, 'GET', `/broadcasts?schoolId=${ids.school}`)).body.items.map((b: { id: number }) => b.id)).toEqual([id]);

  await page.getByRole('link', { name: 'Delivery report' }).click();
  await page.waitForURL(new RegExp(`/console/broadcasts/${id}/report$`));
  await expect(page.locator('#report-rows tbody tr').count()).resolves.toBe(3);
  await expect(page.locator('#report-rows').textContent()).resolves.toMatch(/Garcia[\s\S]*Maria Garcia[\s\S]*\+15555550941[\s\S]*Spanish/);
  await expect(cell(page, '#report-totals [data-count="total"]')).resolves.toBe('3');
  await expectAccessible(page);
  await page.screenshot({ path: path.join(SHOTS, 'broadcast-report.png'), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toBe(`broadcast-${id}-report.csv`);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  expect(csv).toBe((await api(app, adminToken, 'GET', `/broadcasts/${id}/report.csv`)).body);
  expect(csv.trim().split('\n')).toHaveLength(4);
  await context.close();
});

test('an admin schedules a broadcast for tomorrow, pauses it, and cancels it after confirming', async () => {
  const { context, page } = await signedIn();
  await page.goto(`${app.url}/console/broadcasts/new`);
  await page.getByLabel('English text (required)').fill('Maple Street: picture day is tomorrow.');
  await page.getByLabel('At a date and time (school time, America/New_York)').check();
  await page.getByLabel('Day and time to send').fill('2026-11-19T17:00');
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(cell(page, '#preview-recipients')).resolves.toBe('4');
  await page.getByRole('button', { name: 'Schedule (4 texts)' }).click();
  await page.waitForURL(/\/console\/broadcasts\/\d+$/);
  const id = Number(/\/broadcasts\/(\d+)$/.exec(page.url())![1]);
  await expect(cell(page, '#status-word')).resolves.toBe('Scheduled');

  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByText('Paused: no more texts leave until you resume it.').waitFor();
  await expect(cell(page, '#status-word')).resolves.toBe('Paused');
  await expectAccessible(page);
  // Cancel asks for its box to be ticked first; nothing changes until then.
  await page.getByRole('button', { name: 'Cancel broadcast' }).click();
  await expect(cell(page, '#confirm-error')).resolves.toMatch(/Tick the box/);
  await expect(cell(page, '#status-word')).resolves.toBe('Paused');
  // Progress meanwhile refreshes the buttons without a reload: the message stays, and so does a ticked box.
  const refreshed = async () => {
    const fetched = await page.locator('#broadcast-controls').getAttribute('data-live-fetched');
    publishBroadcastLive(app.deps, id);
    await page.waitForFunction((n) => document.getElementById('broadcast-controls')!.getAttribute('data-live-fetched') !== n, fetched);
  };
  await refreshed();
  await expect(page.locator('#confirm-cancel').getAttribute('aria-describedby')).resolves.toBe('confirm-error');
  await expect(cell(page, '#confirm-error')).resolves.toMatch(/Tick the box/);
  await page.getByLabel(/Yes, cancel/).check();
  await refreshed();
  await expect(page.getByLabel(/Yes, cancel/).isChecked()).resolves.toBe(true);
  await page.getByRole('button', { name: 'Cancel broadcast' }).click();
  await page.getByText(/^Canceled: texts already sent stay sent/).waitFor();
  await expect(cell(page, '#status-word')).resolves.toBe('Canceled');
  await expect(page.getByRole('button', { name: 'Resume' }).count()).resolves.toBe(0);
  expect((await api(app, adminToken, 'GET', `/broadcasts/${id}`)).body.status).toBe('canceled');
  expect((await simInbox(app, OLA)).map((m) => m.body)).toEqual([]);

  // The list shows both, newest first.
  await page.getByRole('link', { name: 'Broadcasts', exact: true }).click();
  await expect(page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-broadcast-id')))).resolves.toEqual([String(id), String(id - 1)]);
  await expect(page.locator(`tr[data-broadcast-id="${id}"] .status`).textContent()).resolves.toBe('Canceled');
  await expectAccessible(page);
  await context.close();
});
