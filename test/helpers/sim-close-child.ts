/**
 * Child process of sim-history.test.ts: a simulator closed while a text's "sent" callback is in
 * flight (the receiver never answers it), its texts due to be delivered ten minutes later. Once
 * everything of its own is closed it prints "closed" and must then end by itself: anything the
 * simulator left running would keep it alive.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import IORedis from 'ioredis';
import { SimHistory } from '../../src/channels/sim/history';
import { createSimulator } from '../../src/channels/sim/simulator';
import { createTwilioChannel } from '../../src/channels/twilio/twilio-channel';
import { systemClock } from '../../src/lib/clock';
import { createLogger } from '../../src/logger';

const ACCOUNT_SID = 'AC' + 'd5'.repeat(16);
const AUTH_TOKEN = 'sim-close-token';
const logger = createLogger('silent');

const listen = (app: express.Express) => new Promise<Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

async function main() {
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const key = process.env.HISTORY_KEY!;
  let sentArrived!: () => void;
  const sent = new Promise<void>((resolve) => (sentArrived = resolve));
  const rx = express();
  rx.post('/webhooks/twilio/status', () => sentArrived()); // never answered: still in flight at close
  const receiver = await listen(rx);

  const sim = createSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicBaseUrl: 'https://familyline.test', clock: systemClock, logger, history: new SimHistory(redis, key, logger) });
  await sim.restore();
  sim.setWebhookBase(urlOf(receiver));
  sim.setPacing(null);
  sim.setDeliveryDelay(10 * 60_000);
  const app = express();
  app.use('/sim', sim.router);
  const server = await listen(app);
  const channel = createTwilioChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, simulatorUrl: () => `${urlOf(server)}/sim`, logger });
  await channel.send({ to: '+15555550633', from: '+15555550600', body: 'Picture day is Thursday.', statusCallback: 'https://familyline.test/webhooks/twilio/status' });
  await sent;

  await sim.close();
  for (const s of [server, receiver]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await redis.del(key);
  await redis.quit();
  process.stdout.write('closed\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
