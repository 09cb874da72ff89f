import { startTestApp } from '../helpers/app';

describe('GET /healthz', () => {
  test('answers ok when the database and Redis answer', async () => {
    const app = await startTestApp('health-ok');
    try {
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
    } finally {
      await app.stop();
    }
  });

  test('answers 503 naming Redis when Redis does not answer', async () => {
    const app = await startTestApp('health-redis', { env: { REDIS_URL: 'redis://127.0.0.1:6399' }, roles: ['web'] });
    try {
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'down', db: 'ok', redis: 'down' });
    } finally {
      await app.close();
    }
  });

  test('answers 503 naming the database when it is gone', async () => {
    const app = await startTestApp('health-db', { roles: ['web'] });
    try {
      app.deps.database.close();
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'down', db: 'down', redis: 'ok' });
    } finally {
      await app.stop();
    }
  });
});

describe('GET /metrics', () => {
  test('reports messages by status and queue depth in Prometheus text', async () => {
    const app = await startTestApp('metrics');
    try {
      await app.postWebhook('/webhooks/twilio/sms', {
        MessageSid: 'SM' + 'ab'.repeat(16),
        AccountSid: app.config.twilio.accountSid,
        From: '+15555550177',
        To: '+15555550100',
        Body: 'hello',
        NumMedia: '0',
      });
      const text = await (await fetch(`${app.url}/metrics`)).text();
      expect(text).toContain('familyline_messages{direction="inbound",status="received"} 1');
      expect(text).toMatch(/familyline_queue_jobs\{queue="send",state="waiting"\} \d+/);
    } finally {
      await app.stop();
    }
  });
});
