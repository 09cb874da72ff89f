import { loadConfig, SIM_DEFAULTS } from '../../src/config';

describe('config', () => {
  test('defaults run on SQLite, local Redis and the simulator', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      databaseUrl: 'file:./data/familyline.db',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'familyline',
      smsProvider: 'sim',
      defaultTimezone: 'America/New_York',
    });
    expect(c.twilio).toMatchObject({ accountSid: SIM_DEFAULTS.accountSid, from: SIM_DEFAULTS.from });
  });

  test('roster imports are bounded by default, sized for a 50,000-student district; each bound can be raised', () => {
    expect(loadConfig({}).rosterLimits).toEqual({
      maxUploadBytes: 100 * 1024 * 1024,
      maxExpandedBytes: 400 * 1024 * 1024,
      maxExpansionRatio: 100,
      maxRows: 1_000_000,
      maxLineChars: 10_000,
      maxSeconds: 300,
    });
    const raised = loadConfig({ ROSTER_MAX_ROWS: '3000000', ROSTER_MAX_SECONDS: '900', ROSTER_MAX_LINE_CHARS: '' }).rosterLimits;
    expect(raised).toMatchObject({ maxRows: 3_000_000, maxSeconds: 900, maxLineChars: 10_000 });
  });

  test('translation is off unless TRANSLATE_URL names an http(s) service', () => {
    expect(loadConfig({}).translate).toEqual({ url: null, apiKey: null, timeoutMs: 4000 });
    expect(loadConfig({ TRANSLATE_URL: 'https://translate.example.org', TRANSLATE_API_KEY: 'k-123', TRANSLATE_TIMEOUT_MS: '2500' }).translate).toEqual({
      url: 'https://translate.example.org',
      apiKey: 'k-123',
      timeoutMs: 2500,
    });
    expect(() => loadConfig({ TRANSLATE_URL: 'libretranslate' })).toThrow(/TRANSLATE_URL must be an http\(s\) URL/);
    expect(() => loadConfig({ TRANSLATE_TIMEOUT_MS: '5' })).toThrow(/TRANSLATE_TIMEOUT_MS must be at least 100/);
  });

  test('Twilio credentials switch the provider to twilio; SMS_PROVIDER=sim keeps the simulator with them', () => {
    const creds = { TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 'secret-token-123', TWILIO_FROM: '+15005550006' };
    expect(loadConfig(creds).smsProvider).toBe('twilio');
    const sim = loadConfig({ ...creds, SMS_PROVIDER: 'sim' });
    expect(sim.smsProvider).toBe('sim');
    expect(sim.twilio.authToken).toBe('secret-token-123');
  });

  test('other roles find a simulator running alone at SIM_URL, else at PUBLIC_BASE_URL/sim', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://texts.district.example/' }).simUrl).toBe('https://texts.district.example/sim');
    expect(loadConfig({ SIM_URL: 'http://sim:3001/sim/' }).simUrl).toBe('http://sim:3001/sim');
  });

  test.each([
    [{ SIM_URL: 'sim:3001' }, /SIM_URL must be an http\(s\) URL/],
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT /],
    [{ PORT: '70000' }, /PORT/],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, /PUBLIC_BASE_URL must be an http\(s\) URL/],
    [{ DATABASE_URL: 'mysql://db' }, /DATABASE_URL must be file:/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must start with redis:\/\//],
    [{ QUEUE_PREFIX: 'has space' }, /QUEUE_PREFIX/],
    [{ TWILIO_ACCOUNT_SID: 'AB123' }, /TWILIO_ACCOUNT_SID must be AC/],
    [{ TWILIO_FROM: '555-0100' }, /TWILIO_FROM must be a phone number in E.164/],
    [{ SMS_PROVIDER: 'carrier-pigeon' }, /SMS_PROVIDER must be sim or twilio/],
    [{ SMS_PROVIDER: 'twilio' }, /SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID/],
    [{ DEFAULT_TIMEZONE: 'Mars/Olympus' }, /DEFAULT_TIMEZONE must be an IANA time zone/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
    [{ ROSTER_MAX_ROWS: 'lots' }, /ROSTER_MAX_ROWS must be a whole number/],
    [{ ROSTER_MAX_UPLOAD_BYTES: '0' }, /ROSTER_MAX_UPLOAD_BYTES must be more than 0/],
    [{ ROSTER_MAX_SECONDS: '2.5' }, /ROSTER_MAX_SECONDS must be a whole number/],
  ])('%j stops start-up with a line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
