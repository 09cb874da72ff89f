import IORedis, { type Redis } from 'ioredis';

/** A connection BullMQ can share: workers need maxRetriesPerRequest null. */
export function createRedis(url: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}
