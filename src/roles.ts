import { ConfigError, type Config } from './config';

export const ROLES = ['web', 'worker', 'sim'] as const;
export type Role = (typeof ROLES)[number];

const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

/** `--role web,worker` → ['web', 'worker']; null when no --role is given (the embedded default). */
export function parseRoles(argv: string[]): Role[] | null {
  const i = argv.indexOf('--role');
  if (i === -1) return null;
  const given = argv[i + 1] ?? '';
  const roles = given.split(',').map((r) => r.trim());
  if (!given || !roles.every(isRole)) {
    throw new ConfigError(`--role must be web, worker or sim, comma-separated for several (got ${JSON.stringify(given)})`);
  }
  return [...new Set(roles)];
}

/** Everything in one process; the simulator only when texts go through it rather than through Twilio. */
export function defaultRoles(config: Pick<Config, 'smsProvider'>): Role[] {
  return config.smsProvider === 'sim' ? ['web', 'worker', 'sim'] : ['web', 'worker'];
}
