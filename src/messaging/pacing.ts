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

/** How long (ms) a send of `segments` segments holds a sender allowed `mps` segments a second. */
const slotCost = (segments: number, mps: number) => Math.ceil((Math.max(1, segments) * 1000) / mps);

export async function reserveSendSlot(
  redis: Redis,
  prefix: string,
  senderKey: string,
  segments: number,
  mps: number,
  nowMs: number,
): Promise<number> {
  if (mps <= 0) return nowMs;
  const start = await redis.eval(RESERVE, 1, `${prefix}:pace:${senderKey}`, String(nowMs), String(slotCost(segments, mps)));
  return Number(start);
}

/**
 * Bulk work (a broadcast's texts) shares the sender's key with reserveSendSlot but never reserves
 * ahead: it may start only when the sender's next free time has come, and then moves it on by its
 * own cost. So a reply or a teacher's one-to-one text, which reserves the next free slot, waits at
 * most for the one bulk send already started, however long the broadcast's backlog; the sender
 * never exceeds its mps in any second; and each sender has its own key, so one school's broadcast
 * never slows another school's texts.
 *
 * Why here and not in BullMQ: its open-source edition rate-limits a whole queue, not a group
 * (a sending number) within it, and a queue per sender would need a worker per school. One Lua
 * script on the key both kinds of send already use keeps the rule atomic across every process.
 */
const TAKE_BULK = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free > now then return free end
redis.call('SET', KEYS[1], now + cost, 'PX', cost + 1000)
return -1
`;

/** Takes the sender's next slot for a bulk send if it is free now: null when taken, else the epoch ms it frees. */
export async function takeBulkSlot(
  redis: Redis,
  prefix: string,
  senderKey: string,
  segments: number,
  mps: number,
  nowMs: number,
): Promise<number | null> {
  if (mps <= 0) return null;
  const free = Number(await redis.eval(TAKE_BULK, 1, `${prefix}:pace:${senderKey}`, String(nowMs), String(slotCost(segments, mps))));
  return free < 0 ? null : free;
}
