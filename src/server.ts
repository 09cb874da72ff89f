import { loadConfig, ConfigError } from './config';
import { createLogger } from './logger';
import { ensureRedis } from './queue/local-redis';
import { startFamilyLine, type Role } from './runtime';

function parseRoles(argv: string[]): Role[] {
  const i = argv.indexOf('--role');
  if (i === -1) return ['web', 'worker'];
  const role = argv[i + 1];
  if (role !== 'web' && role !== 'worker') {
    throw new ConfigError(`--role must be web or worker (got ${JSON.stringify(role ?? '')})`);
  }
  return [role];
}

async function main(): Promise<void> {
  const config = loadConfig();
  const roles = parseRoles(process.argv.slice(2));
  const logger = createLogger(config.logLevel);
  config.redisUrl = await ensureRedis(config.redisUrl, logger);
  const running = await startFamilyLine(config, { roles, logger });
  if (running.url && config.smsProvider === 'sim') {
    logger.info(`simulator phone: http://localhost:${new URL(running.url).port}/sim`);
  }
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
  }
  process.exit(1);
});
