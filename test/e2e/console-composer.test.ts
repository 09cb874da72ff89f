import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, launchChromium } from '../helpers/browser';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';
import { renderUpdate } from '../../src/updates/sentence-bank';
import { segmentInfo } from '../../src/i18n/segments';
import { eq } from 'drizzle-orm';
import { families } from '../../db/schema';

/**
 * The update composer and the admin pages in real Chromium: a teacher writes a class's updates,
 * sees the Spanish family's text and its segments, sends, and sees it delivered; an admin imports
 * a roster (dry run, then real) and changes the school's time zone. axe on every new page.
 */

const FROM = '+15555550901';
const ROSA = '+15555550911';
const PASSWORD = 'composer chromium passphrase';
const SHOTS = path.join(__dirname, 'screenshots');
const SCHOOL = 'Maple Street School';

let app: TestApp;
let browser: Browser;
const ids = { classId: 0, maria: 0, garcia: 0, school: 0 };

// A browser test walks many steps, each waiting for a state; on a loaded two-core CI machine
// the steps together can pass jest's 30 s default although none of them hangs (each has its own
// playwright timeout, which names the step that did not come).
jest.setTimeout(90_000);

beforeAll(async () => {
  app = await startTestApp('console-composer-e2e', { clock: new TestClock('2026-11-18T15:00:00Z') });
  const db = app.deps.db;
  const now = new Date(app.deps.clock.now()).toISOString();
  const school = await seedSchool(db, { name: SCHOOL, from: FROM });
  ids.school = school.id;
  const lee = await addStaffWithToken(db, { email: 'lee@composer-e2e.test', role: 'teacher', schoolId: school.id, name: 'Ms. Lee', password: PASSWORD }, now);
  await addStaffWithToken(db, { email: 'admin@composer-e2e.test', role: 'school_admin', schoolId: school.id, name: 'Mr. Admin', password: PASSWORD }, now);
  const garcia = await seedFamily(db, school.id, { name: 'Garcia', language: 'es', guardians: [{ first: 'Rosa', phone: ROSA }], students: [{ first: 'Maria', grade: '3' }] });
  const nguyen = await seedFamily(db, school.id, { name: 'Nguyen', guardians: [{ first: 'Hai', phone: '+15555550912' }], students: [{ first: 'Tam', grade: '3' }] });
  ids.garcia = garcia.family.id;
  ids.maria = garcia.students[0].id;
  const klass = await seedClass(db, school.id, { title: 'Grade 3 Reading', teacherIds: [lee.staff.id] });
  ids.classId = klass.id;
  await enroll(db, klass.id, [ids.maria, nguyen.students[0].id]);
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function signedIn(email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-proto': 'https' }, viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${app.url}/console/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/console\/inbox$/);
  return { context, page };
}

test('a teacher writes updates for a class, sees the Spanish preview and its segments, sends, and sees it delivered', async () => {
  const { context, page } = await signedIn('lee@composer-e2e.test');
  await page.getByRole('link', { name: 'Write updates' }).click();
  await page.getByRole('link', { name: /Grade 3 Reading/ }).click();
  await page.waitForURL(new RegExp(`/console/classes/${ids.classId}/updates$`));
  await expectAccessible(page);

  const maria = page.getByRole('group', { name: 'Maria Garcia' });
  const picker = maria.getByRole('combobox', { name: 'Sentence for Maria Garcia' });
  // The keyboard alone: focus the picker and choose with the arrow keys.
  await picker.focus();
  await picker.selectOption('praise.effort');
  // composer.js shows only the slots this sentence uses.
  await expect(maria.getByRole('textbox', { name: /^Subject/ }).isVisible()).resolves.toBe(true);
  await expect(maria.getByRole('textbox', { name: /^Skill/ }).isVisible()).resolves.toBe(false);
  await maria.getByRole('textbox', { name: /^Subject/ }).fill('matemáticas');
  const tam = page.getByRole('group', { name: 'Tam Nguyen' });
  await tam.getByRole('textbox', { name: 'Or your own words about Tam' }).fill('Tam read 20 minutes every night this week. Ask him about the ending of his book!');
  await tam.locator('.counter').filter({ hasText: 'GSM-7 · 1 segment' }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'composer.png'), fullPage: true });

  await page.getByRole('button', { name: 'Preview' }).first().click();
  const spanish = renderUpdate({ language: 'es', template: 'praise.effort', child: 'Maria', slots: { subject: 'matemáticas' } }).text;
  const seg = segmentInfo(spanish);
  const card = page.locator(`.card[data-family-id="${ids.garcia}"]`);
  await card.getByText(spanish).waitFor();
  await expect(card.locator('.sms').getAttribute('lang')).resolves.toBe('es');
  await expect(card.locator('.meta').textContent()).resolves.toContain(`Spanish · ${seg.encoding} · ${seg.segments} ${seg.segments === 1 ? 'segment' : 'segments'}`);
  await expect(page.locator('#preview-heading').evaluate((h) => h === document.activeElement)).resolves.toBe(true);
  await expectAccessible(page);
  await page.screenshot({ path: path.join(SHOTS, 'composer-preview.png'), fullPage: true });

  await page.getByRole('button', { name: 'Send 2 texts' }).click();
  await page.waitForURL(/\/updates\/sent\//);
  await page.getByText('2 texts queued to send now.').waitFor();
  await expectAccessible(page);
  await page.getByRole('link', { name: /Garcia/ }).click();
  await page.waitForURL(new RegExp(`/console/families/${ids.garcia}$`));
  await page.getByText(spanish).waitFor();
  // The simulator's delivery callback moves the status, live.
  await page.locator('.msg.out .status[data-status="delivered"]').waitFor();
  const got = await waitFor(async () => (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(ROSA)}`)).json()).items.filter((m: any) => m.body === spanish));
  expect(got).toHaveLength(1);
  await context.close();
});

test('an admin imports a roster (a dry run, then for real) and reads its report', async () => {
  const { context, page } = await signedIn('admin@composer-e2e.test');
  await page.getByRole('link', { name: 'Roster import' }).click();
  await page.waitForURL(/\/console\/imports$/);
  await expectAccessible(page);
  const roster =
    'student_id,student_first_name,student_last_name,grade,school,class,teacher_email,guardian_id,guardian_first_name,guardian_last_name,guardian_phone,guardian_language\n' +
    `e2e-1,Ivy,Lane,3,${SCHOOL},Grade 3 Art,lee@composer-e2e.test,e2e-g1,Ian,Lane,+15555550921,es\n` +
    `e2e-2,Jo,Park,3,${SCHOOL},Grade 3 Art,lee@composer-e2e.test,e2e-g2,Jin,Park,not a number,\n`;
  const file = { name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(roster) };
  await page.getByLabel('Roster file').setInputFiles(file);
  await expect(page.getByLabel(/Dry run/).isChecked()).resolves.toBe(true);
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await page.waitForURL(/\/console\/imports\/\d+$/);
  // The report arrives without a reload (imports.js polls while the import runs).
  await page.getByText('A dry run: nothing was changed.').waitFor({ timeout: 30_000 });
  await expect(page.locator('#import-state').textContent()).resolves.toContain('Finished');
  await expect(page.locator('#rejected-total').textContent()).resolves.toBe('1');
  await page.getByText(/roster\.csv, line 3: .*phone/i).waitFor();
  await expectAccessible(page);

  await page.getByRole('link', { name: '← Roster imports' }).click();
  await page.getByLabel('Roster file').setInputFiles(file);
  await page.getByLabel(/Dry run/).uncheck();
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await page.getByText('The roster was imported.').waitFor({ timeout: 30_000 });
  const students = page.getByRole('row', { name: /^Students/ });
  await expect(students.locator('td').first().textContent()).resolves.toBe('2'); // the bad number is rejected, its student kept
  await page.getByRole('link', { name: '← Roster imports' }).click();
  await expect(page.locator('table tbody tr').count()).resolves.toBe(2);
  await expectAccessible(page);
  await context.close();
});

test("an admin changes the school's time zone; a wrong value is explained next to its field", async () => {
  const { context, page } = await signedIn('admin@composer-e2e.test');
  await page.getByRole('link', { name: 'School settings' }).click();
  await page.waitForURL(new RegExp(`/console/schools/${ids.school}/settings$`));
  await expectAccessible(page);
  await page.getByLabel('Time zone').selectOption('America/Chicago');
  await page.getByLabel('Phone region').fill('XX');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Nothing was saved').waitFor();
  await expect(page.locator('#phoneRegion-error').textContent()).resolves.toMatch(/country code/);
  await expect(page.getByLabel('Phone region').getAttribute('aria-invalid')).resolves.toBe('true');
  await expectAccessible(page);
  await page.getByLabel('Phone region').fill('US');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  await expect(page.getByLabel('Time zone').inputValue()).resolves.toBe('America/Chicago');
  const school = await (await import('../../db/repositories/routing')).getSchool(app.deps.db, ids.school);
  expect(school?.timezone).toBe('America/Chicago');
  await context.close();
});

test('every other console page passes the accessibility check: classes, a class with its unit form, a family with a language suggestion, progress, nudges, imports, settings', async () => {
  // A suggestion on the Garcia family, as three replies in another language would leave it.
  await app.deps.db.update(families).set({ languageSuggestion: 'pt' }).where(eq(families.id, ids.garcia));
  const teacher = await signedIn('lee@composer-e2e.test');
  for (const url of ['/console/classes', `/console/classes/${ids.classId}`, `/console/families/${ids.garcia}`, '/console/progress', '/console/updates']) {
    await teacher.page.goto(`${app.url}${url}`);
    await expectAccessible(teacher.page);
  }
  await expect(teacher.page.goto(`${app.url}/console/families/${ids.garcia}`).then(() => teacher.page.getByText(/may prefer/i).first().isVisible())).resolves.toBe(true);
  await teacher.context.close();
  const admin = await signedIn('admin@composer-e2e.test');
  for (const url of ['/console/nudges', `/console/schools/${ids.school}/nudges`, '/console/imports', '/console/settings', `/console/schools/${ids.school}/settings`]) {
    const response = await admin.page.goto(`${app.url}${url}`);
    expect(response?.status()).toBe(200);
    await expectAccessible(admin.page);
  }
  await admin.context.close();
});
