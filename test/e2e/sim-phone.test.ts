import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { createSimulator, type Simulator } from '../../src/channels/sim/simulator';
import { createTwilioChannel } from '../../src/channels/twilio/twilio-channel';
import type { SmsChannel } from '../../src/channels/channel';
import { systemClock } from '../../src/lib/clock';
import { createLogger } from '../../src/logger';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { DEMO_ADMIN_EMAIL, seedDemo } from '../../db/seed-demo';
import { insertFamilyWithMembers } from '../../db/repositories/families';
import { addStaffWithToken } from '../../src/staff/accounts';

/** The simulator's phone page in real Chromium, on a phone-sized screen. */

const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'sim-phone-e2e-token';
const SCHOOL = '+15555550100';
const PARENT = '+15555550142';
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

let sim: Simulator;
let servers: Server[] = [];
let simUrl: string;
let channel: SmsChannel;
let browser: Browser;
let page: Page;
const received: Record<string, string>[] = [];

const listen = (app: express.Express) =>
  new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

// A browser test walks many steps, each waiting for a state; on a loaded two-core CI machine
// the steps together can pass jest's 30 s default although none of them hangs (each has its own
// playwright timeout, which names the step that did not come).
jest.setTimeout(90_000);

beforeAll(async () => {
  const rx = express();
  rx.use(express.urlencoded({ extended: false }));
  rx.post('/webhooks/twilio/sms', (req, res) => {
    received.push(req.body);
    res.type('text/xml').send('<Response/>');
  });
  rx.post('/webhooks/twilio/status', (_req, res) => res.end());
  const receiver = await listen(rx);

  // Alone, as with `--role sim`: no database, so no parents to list; it knows the default sender.
  sim = createSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicBaseUrl: 'https://familyline.test', clock: systemClock, logger, serviceNumber: SCHOOL });
  sim.setWebhookBase(urlOf(receiver));
  sim.setPacing(null);
  const app = express();
  app.use('/sim', sim.router);
  const simServer = await listen(app);
  servers = [receiver, simServer];
  simUrl = urlOf(simServer);
  channel = createTwilioChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, simulatorUrl: () => `${simUrl}/sim`, logger });

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 360, height: 740 } });
});

afterAll(async () => {
  await browser?.close();
  await sim?.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

test('a simulator without a database fills in the school number and texts a typed phone', async () => {
  await page.goto(`${simUrl}/sim`);
  // Before any text has gone either way, "To" already holds the school's number.
  await waitFor(async () => (await page.getByLabel('To (school number)').inputValue()) === SCHOOL);
  expect(await page.getByRole('list', { name: "Parents' phones" }).getByRole('button').count()).toBe(0);
  // Typed but not opened: sending still texts from that phone.
  await page.getByLabel("This phone's number").fill('+15555550143');
  await page.getByLabel('Message').fill('Hello from a new phone');
  await page.getByRole('button', { name: 'Send text' }).click();
  await page.getByRole('log').getByText(/you → \+15555550100 .* received/).waitFor();
  await waitFor(() => received.find((r) => r.Body === 'Hello from a new phone' && r.From === '+15555550143' && r.To === SCHOOL));
});

test('a parent reads a text from the school, answers it, and texts STOP', async () => {
  await channel.send({
    to: PARENT,
    from: SCHOOL,
    body: 'Maria read 20 minutes every night this week — ask her about the ending of her book.',
    statusCallback: 'https://familyline.test/webhooks/twilio/status',
  });

  await page.goto(`${simUrl}/sim`);
  await page.getByLabel("This phone's number").fill(PARENT);
  await page.getByRole('button', { name: 'Open' }).click();

  const thread = page.getByRole('log');
  await thread.getByText('Maria read 20 minutes').waitFor();
  await thread.getByText(/from \+15555550100 .* delivered/).waitFor();
  // The school number is prefilled with the service number the simulator has seen most.
  expect(await page.getByLabel('To (school number)').inputValue()).toBe(SCHOOL);

  await page.getByLabel('Message').fill('Thank you! She loved it.');
  await page.getByRole('button', { name: 'Send text' }).click();
  await thread.getByText('Thank you! She loved it.').waitFor();
  await thread.getByText(/you → \+15555550100 .* received/).waitFor();
  await waitFor(() => received.find((r) => r.Body === 'Thank you! She loved it.' && r.From === PARENT));

  await page.getByLabel('Message').fill('STOP');
  await page.getByLabel('Message').press('Enter');
  await thread.getByText(/You have successfully been unsubscribed/).waitFor();
  expect(await page.getByLabel('Message').inputValue()).toBe('');
  expect(received.at(-1)).toMatchObject({ Body: 'STOP', OptOutType: 'STOP' });

  // Narrow screen: nothing overflows sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  if (process.env.SIM_SCREENSHOT) await page.screenshot({ path: process.env.SIM_SCREENSHOT, fullPage: true });
  // The phone is remembered in the address, so a reload shows the same thread.
  await page.reload();
  await page.getByRole('log').getByText('Thank you! She loved it.').waitFor();
});

test('a bad number is explained, not sent', async () => {
  await page.goto(`${simUrl}/sim`);
  await page.getByLabel("This phone's number").fill('555-1234');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('alert').getByText(/E\.164/).waitFor();
});

describe('beside FamilyLine, with the demo seeded', () => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp('sim-phone');
    const demo = await seedDemo(app.deps.db);
    // A number that could be a real parent's: the page (which has no sign-in) must never list it.
    await insertFamilyWithMembers(
      app.deps.db,
      {
        schoolId: demo.schoolId,
        displayName: 'Real-looking family',
        language: 'en',
        guardians: [{ firstName: 'Pat', lastName: 'Realnumber', phone: '+12025550147', relationship: 'father', language: null }],
        students: [{ firstName: 'Sam', lastName: 'Realnumber', grade: '2' }],
      },
      new Date().toISOString(),
    );
    ({ token } = await addStaffWithToken(app.deps.db, { email: DEMO_ADMIN_EMAIL }, new Date().toISOString()));
  });

  afterAll(async () => {
    await app?.stop();
  });

  const api = async (p: string) => (await fetch(`${app.url}/api/v1${p}`, { headers: { authorization: `Bearer ${token}` } })).json();

  test("a new user picks a demo parent's phone, and their first text from the filled-in form reaches FamilyLine", async () => {
    const phone = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await phone.goto(`${app.url}/sim`);
    const parents = phone.getByRole('list', { name: "Parents' phones" });
    await parents.getByRole('button', { name: /Rosa García/ }).click();
    await phone.getByRole('heading', { name: 'Texts on +15555550112' }).waitFor();
    // The school's number is filled in; the user only writes the message.
    expect(await phone.getByLabel('To (school number)').inputValue()).toBe(app.config.twilio.from);
    await phone.getByLabel('Message').fill('Hola, ¿cómo va Sofía con la lectura?');
    await phone.getByRole('button', { name: 'Send text' }).click();
    await phone.getByRole('log').getByText(/received/).waitFor();
    expect(await phone.getByRole('alert').textContent()).toBe('');

    // FamilyLine threaded it into the García family's conversation.
    const garcia = (await api('/families')).items.find((f: any) => f.name === 'Familia García');
    const conversation = await waitFor(async () => (await api(`/conversations?familyId=${garcia.id}`)).items[0]);
    const messages = (await api(`/conversations/${conversation.id}/messages`)).items;
    expect(messages).toEqual([
      expect.objectContaining({ direction: 'inbound', body: 'Hola, ¿cómo va Sofía con la lectura?', from: '+15555550112' }),
    ]);
    // Every demo parent is listed by name; none is missing its school number.
    for (const who of ['Angela Johnson', 'Jorge Hernández', 'Linh Nguyen & Minh Nguyen']) {
      await parents.getByRole('button', { name: new RegExp(who) }).waitFor();
    }
    expect(await parents.getByRole('button', { name: /Realnumber/ }).count()).toBe(0);
    const listed = await (await fetch(`${app.url}/sim/api/phones`)).json();
    expect(listed.known.map((p: any) => p.phone)).not.toContain('+12025550147');
    expect(listed.known).toHaveLength(6);
    await phone.close();
  });
});
