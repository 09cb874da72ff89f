import type { Browser } from 'playwright-core';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { launchChromium } from '../helpers/browser';
import { seedDemo } from '../../db/seed-demo';
import { addStaffWithToken } from '../../src/staff/accounts';

/**
 * The first thing a new user does: text the school from the simulator phone as a demo parent,
 * find the text in that family's conversation through the staff API, answer it, and watch the
 * answer reach the phone.
 */

let app: TestApp;
let browser: Browser;
let token: string;

const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  return { status: res.status, body: await res.json() };
};

// A browser test walks many steps, each waiting for a state; on a loaded two-core CI machine
// the steps together can pass jest's 30 s default although none of them hangs (each has its own
// playwright timeout, which names the step that did not come).
jest.setTimeout(90_000);

beforeAll(async () => {
  app = await startTestApp('first-conversation');
  const demo = await seedDemo(app.deps.db);
  token = (await addStaffWithToken(app.deps.db, { email: demo.admin.email }, new Date().toISOString())).token;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('a parent texts from the simulator phone, the office answers through the API, the phone shows it delivered', async () => {
  const rosa = '+15555550112';
  const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
  await page.goto(`${app.url}/sim`);
  await page.getByLabel("This phone's number").fill(rosa);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByLabel('To (school number)').fill(app.config.twilio.from!);
  await page.getByLabel('Message').fill('Hola, ¿cómo va Sofía en matemáticas?');
  await page.getByRole('button', { name: 'Send text' }).click();

  const conversation = await waitFor(async () => {
    const { body } = await api('/conversations?unread=true');
    return body.items.find((c: { familyId: number | null }) => c.familyId !== null);
  });
  const family = await api(`/families/${conversation.familyId}`);
  expect(family.body.guardians.map((g: { phone: string }) => g.phone)).toContain(rosa);
  const thread = await api(`/conversations/${conversation.id}/messages`);
  expect(thread.body.items).toEqual([
    expect.objectContaining({ direction: 'inbound', body: 'Hola, ¿cómo va Sofía en matemáticas?', from: rosa }),
  ]);

  const sent = await api(`/conversations/${conversation.id}/messages`, {
    method: 'POST',
    body: JSON.stringify({ body: 'Hola Rosa, Sofía va muy bien: esta semana practicamos fracciones.' }),
  });
  expect(sent.status).toBe(202);
  await page.getByRole('log').getByText('esta semana practicamos fracciones').waitFor();
  await page.getByRole('log').getByText(/delivered/).last().waitFor();
  const message = await waitFor(async () => {
    const { body } = await api(`/messages/${sent.body.id}`);
    return body.status === 'delivered' ? body : null;
  });
  expect(message.events.map((e: { status: string }) => e.status)).toEqual(['sent', 'delivered']);
});
