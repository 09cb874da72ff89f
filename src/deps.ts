import type { Redis } from 'ioredis';
import type { Config } from './config';
import type { Db, OpenedDatabase } from '../db/client';
import type { Queues } from './queue/queues';
import type { SmsChannel } from './channels/channel';
import type { Clock } from './lib/clock';
import type { Logger } from './logger';

/** Everything a route, worker or domain function may need, built once at start. */
export interface Deps {
  config: Config;
  db: Db;
  database: OpenedDatabase;
  redis: Redis;
  queues: Queues;
  channel: SmsChannel;
  clock: Clock;
  logger: Logger;
}
