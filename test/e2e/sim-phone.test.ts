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
import { waitFor } from '../helpers/app';

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

beforeAll(async () => {
  const rx = express();
  rx.use(express.urlencoded({ extended: false }));
  rx.post('/webhooks/twilio/sms', (req, res) => {
    received.push(req.body);
    res.type('text/xml').send('<Response/>');
  });
  rx.post('/webhooks/twilio/status', (_req, res) => res.end());
  const receiver = await listen(rx);

  sim = createSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicBaseUrl: 'https://familyline.test', clock: systemClock, logger });
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
