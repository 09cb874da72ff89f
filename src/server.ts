import { loadConfig, ConfigError } from './config';
import { createLogger } from './logger';
import { ensureRedis } from './queue/local-redis';
import { parseRoles } from './roles';
import { startFamilyLine } from './runtime';

async function main(): Promise<void> {
  const config = loadConfig();
  const roles = parseRoles(process.argv.slice(2)) ?? undefined;
  const logger = createLogger(config.logLevel);
  config.redisUrl = await ensureRedis(config.redisUrl, logger);
  const running = await startFamilyLine(config, { roles, logger });
  if (running.simUrl) logger.info(`simulator phone: http://localhost:${new URL(running.simUrl).port}/sim`);
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
