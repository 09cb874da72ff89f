import { startTestApp, type TestApp } from '../helpers/app';
import { seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';

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
      await app.dropDatabase();
    }
  });

  test('answers 503 naming the database when it is gone', async () => {
    const app = await startTestApp('health-db', { roles: ['web'] });
    try {
      await app.deps.database.close();
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'down', db: 'down', redis: 'ok' });
    } finally {
      await app.stop();
    }
  });
});

describe('GET /metrics', () => {
  const METRICS_TOKEN = 'scraper-token-0123456789';
  const metrics = (app: TestApp, token?: string) =>
    fetch(`${app.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('reports messages by status and queue depth in Prometheus text, to a district admin', async () => {
    const app = await startTestApp('metrics');
    try {
      const { token } = await addStaffWithToken(app.deps.db, { email: 'district@metrics.test', role: 'district_admin' }, new Date().toISOString());
      await app.postWebhook('/webhooks/twilio/sms', {
        MessageSid: 'SM' + 'ab'.repeat(16),
        AccountSid: app.config.twilio.accountSid,
        From: '+15555550177',
        To: '+15555550100',
        Body: 'hello',
        NumMedia: '0',
      });
      const res = await metrics(app, token);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('familyline_messages{direction="inbound",status="received"} 1');
      expect(text).toMatch(/familyline_queue_jobs\{queue="send",state="waiting"\} \d+/);
    } finally {
      await app.stop();
    }
  });

  test('answers only a district admin or METRICS_TOKEN: no token 401, a wrong one 401, a school admin 403', async () => {
    const app = await startTestApp('metrics-auth', { env: { METRICS_TOKEN }, roles: ['web'] });
    try {
      const now = new Date().toISOString();
      const school = await seedSchool(app.deps.db, { name: 'Maple Street School' });
      const admin = (await addStaffWithToken(app.deps.db, { email: 'admin@metrics.test', role: 'school_admin', schoolId: school.id }, now)).token;
      const district = (await addStaffWithToken(app.deps.db, { email: 'district@metrics.test', role: 'district_admin' }, now)).token;
      const answers = [];
      for (const token of [undefined, 'not-the-token-0123456789', `${METRICS_TOKEN}x`, admin, METRICS_TOKEN, district]) {
        const res = await metrics(app, token);
        const text = await res.text();
        answers.push([res.status, text.includes('familyline_messages')]);
      }
      expect(answers).toEqual([[401, false], [401, false], [401, false], [403, false], [200, true], [200, true]]);
    } finally {
      await app.stop();
    }
  });
});
