import type { Redis } from 'ioredis';

/**
 * Reserves a sending slot for `segments` segments on one sender at `mps` segments per second,
 * shared by every worker process through Redis. Returns the epoch ms the send may start.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, free)
redis.call('SET', KEYS[1], start + cost, 'PX', math.max(1000, start + cost - now + 1000))
return start
`;

export async function reserveSendSlot(
  redis: Redis,
  prefix: string,
  senderKey: string,
  segments: number,
  mps: number,
  nowMs: number,
): Promise<number> {
  if (mps <= 0) return nowMs;
  const cost = Math.ceil((Math.max(1, segments) * 1000) / mps);
  const start = await redis.eval(RESERVE, 1, `${prefix}:pace:${senderKey}`, String(nowMs), String(cost));
  return Number(start);
}
