import type { Redis } from 'ioredis';
import { AppError } from '../errors';

/**
 * A double-clicked Send must not text families twice (an update, or a broadcast created twice). The client names each send (`requestId`,
 * e.g. a UUID made when the composer opens); the first request with a name claims it in Redis
 * (shared by every web host) and stores its answer, and a repeat within a day gets that answer
 * back and sends nothing. A repeat while the first is still sending gets 409. A send refused
 * before it texted anyone (an AppError: bad input, a failed translation) lets go of its name, so
 * trying again works; one that broke off mid-way keeps it until PENDING_SECONDS pass, since some
 * families may already have their text.
 */
const KEEP_SECONDS = 24 * 60 * 60;
/** A send whose process died mid-way holds its name this long (its repeat could text some families twice). */
const PENDING_SECONDS = 10 * 60;
const PENDING = 'pending';

export async function sendOnce<T>(
  redis: Redis,
  key: { prefix: string; staffId: number; requestId: string | null; kind?: 'updates' | 'broadcast' },
  send: () => Promise<T>,
): Promise<{ result: T; replayed: boolean }> {
  if (key.requestId === null) return { result: await send(), replayed: false };
  const name = `${key.prefix}:${key.kind ?? 'updates'}:request:${key.staffId}:${key.requestId}`;
  const claimed = await redis.set(name, PENDING, 'EX', PENDING_SECONDS, 'NX');
  if (claimed !== 'OK') {
    const stored = await redis.get(name);
    if (stored && stored !== PENDING) return { result: JSON.parse(stored) as T, replayed: true };
    throw new AppError(409, 'in_progress', `This send (requestId ${key.requestId}) is already under way; its texts will not be sent twice`);
  }
  let result: T;
  try {
    result = await send();
  } catch (err) {
    if (err instanceof AppError) await redis.del(name);
    throw err;
  }
  await redis.set(name, JSON.stringify(result), 'EX', KEEP_SECONDS);
  return { result, replayed: false };
}
