import { IANAZone } from 'luxon';
import { z } from 'zod';

/** Development credentials the simulator uses when no real Twilio ones are configured. */
export const SIM_DEFAULTS = {
  accountSid: 'AC00000000000000000000000000000000',
  authToken: 'familyline-sim-auth-token',
  from: '+15555550100',
} as const;

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 form, like +15555550100');
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const MB = 1024 * 1024;
const limit = (fallback: number) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').positive('must be more than 0').default(fallback),
  );

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })),
  DATABASE_URL: z
    .string()
    .default('file:./data/familyline.db')
    .refine((v) => /^(file:|postgres(ql)?:\/\/)/.test(v), 'must be file:<path> (SQLite) or postgres://user:pass@host:5432/db'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  SIM_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, like http://127.0.0.1:3001/sim' })),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'may hold only letters, digits, _ . -').default('familyline'),
  TWILIO_ACCOUNT_SID: optional(z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')),
  TWILIO_AUTH_TOKEN: optional(z.string().min(8, 'is too short to be an auth token')),
  TWILIO_MESSAGING_SERVICE_SID: optional(z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex digits')),
  TWILIO_FROM: optional(e164),
  SMS_PROVIDER: optional(z.enum(['sim', 'twilio'], { error: 'must be sim or twilio' })),
  DEFAULT_TIMEZONE: z
    .string()
    .default('America/New_York')
    .refine((v) => IANAZone.isValidZone(v), 'must be an IANA time zone such as America/New_York'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRANSLATE_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, like https://libretranslate.example.org' })),
  TRANSLATE_API_KEY: optional(z.string().max(500, 'is too long')),
  TRANSLATE_TIMEOUT_MS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(100, 'must be at least 100').max(60_000, 'must be at most 60000').default(4000),
  ),
  METRICS_TOKEN: optional(z.string().regex(/^\S{16,}$/, 'must be at least 16 characters, without spaces')),
  // Roster import limits. A 50,000-student district exports ~95 MB of CSV (~20 MB zipped), at
  // most ~300,000 rows in one file, lines under 400 characters, and imports in ~25 s.
  ROSTER_MAX_UPLOAD_BYTES: limit(100 * MB),
  ROSTER_MAX_EXPANDED_BYTES: limit(400 * MB),
  ROSTER_MAX_EXPANSION_RATIO: limit(100),
  ROSTER_MAX_ROWS: limit(1_000_000),
  ROSTER_MAX_LINE_CHARS: limit(10_000),
  ROSTER_MAX_SECONDS: limit(300),
});

export interface Config {
  port: number;
  publicBaseUrl: string;
  /** Where roles without the simulator find it (SIM_URL; default PUBLIC_BASE_URL/sim, a simulator riding with the web role). */
  simUrl: string;
  databaseUrl: string;
  /** PostgreSQL connections per process. */
  databasePoolSize: number;
  redisUrl: string;
  queuePrefix: string;
  smsProvider: 'sim' | 'twilio';
  twilio: { accountSid: string; authToken: string; messagingServiceSid?: string; from?: string };
  defaultTimezone: string;
  logLevel: string;
  /** A bearer token a scraper with no staff account may read /metrics with; district admins' tokens work too. */
  metricsToken: string | null;
  /** A LibreTranslate-compatible service for free-text updates (src/translation); url null: none. */
  translate: { url: string | null; apiKey: string | null; timeoutMs: number };
  rosterLimits: RosterLimits;
}

/** What one roster import may take (ROSTER_MAX_*); see src/families/roster/limits.ts. */
export interface RosterLimits {
  /** The file as uploaded or named: a .zip, or a flat .csv. */
  maxUploadBytes: number;
  /** All CSV read from one import, after unzipping. */
  maxExpandedBytes: number;
  /** Unzipped bytes per zipped byte, per file in a .zip. */
  maxExpansionRatio: number;
  /** Lines per CSV file, the header and blank lines included. */
  maxRows: number;
  /** Characters per physical line. */
  maxLineChars: number;
  /** Reading and syncing one import. */
  maxSeconds: number;
}

export class ConfigError extends Error {}

/** Reads and validates the environment once; a bad value throws a ConfigError naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0]);
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message} (got ${JSON.stringify(env[name] ?? '')})`);
  }
  const v = parsed.data;
  const hasCredentials = Boolean(v.TWILIO_ACCOUNT_SID && v.TWILIO_AUTH_TOKEN);
  const smsProvider = v.SMS_PROVIDER ?? (hasCredentials ? 'twilio' : 'sim');
  if (smsProvider === 'twilio') {
    if (!hasCredentials) {
      throw new ConfigError('Invalid configuration: SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
    }
    if (!v.TWILIO_FROM && !v.TWILIO_MESSAGING_SERVICE_SID) {
      throw new ConfigError('Invalid configuration: TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is needed to send through Twilio');
    }
  }
  const sim = smsProvider === 'sim';
  const publicBaseUrl = (v.PUBLIC_BASE_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, '');
  return {
    port: v.PORT,
    publicBaseUrl,
    simUrl: (v.SIM_URL ?? `${publicBaseUrl}/sim`).replace(/\/+$/, ''),
    databaseUrl: v.DATABASE_URL,
    databasePoolSize: v.DATABASE_POOL_SIZE,
    redisUrl: v.REDIS_URL,
    queuePrefix: v.QUEUE_PREFIX,
    smsProvider,
    twilio: {
      accountSid: v.TWILIO_ACCOUNT_SID ?? SIM_DEFAULTS.accountSid,
      authToken: v.TWILIO_AUTH_TOKEN ?? SIM_DEFAULTS.authToken,
      messagingServiceSid: v.TWILIO_MESSAGING_SERVICE_SID,
      from: v.TWILIO_FROM ?? (sim && !v.TWILIO_MESSAGING_SERVICE_SID ? SIM_DEFAULTS.from : undefined),
    },
    defaultTimezone: v.DEFAULT_TIMEZONE,
    logLevel: v.LOG_LEVEL,
    metricsToken: v.METRICS_TOKEN ?? null,
    translate: { url: v.TRANSLATE_URL ?? null, apiKey: v.TRANSLATE_API_KEY ?? null, timeoutMs: v.TRANSLATE_TIMEOUT_MS },
    rosterLimits: {
      maxUploadBytes: v.ROSTER_MAX_UPLOAD_BYTES,
      maxExpandedBytes: v.ROSTER_MAX_EXPANDED_BYTES,
      maxExpansionRatio: v.ROSTER_MAX_EXPANSION_RATIO,
      maxRows: v.ROSTER_MAX_ROWS,
      maxLineChars: v.ROSTER_MAX_LINE_CHARS,
      maxSeconds: v.ROSTER_MAX_SECONDS,
    },
  };
}
