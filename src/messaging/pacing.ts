import type { Redis } from 'ioredis';

/**
 * A sender's slot for one send: the time (epoch ms) from which it may leave. Whether it then
 * leaves is the sender's last second's to say (mayDepart), so a send held up past its slot (a
 * busy process, a collection) still leaves if that second has room, and otherwise takes another.
 */
export interface Slot {
  startMs: number;
}

/**
 * Reserves a sending slot for `segments` segments on one sender at `mps` segments per second,
 * shared by every worker process through Redis: the sender's next free one, however far ahead.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, free)
redis.call('SET', KEYS[1], string.format('%.3f', start + cost), 'PX', math.ceil(math.max(1000, start + cost - now + 1000)))
return string.format('%.3f', start)
`;

/**
 * The share of its mps a sender's slots are spaced for: the slots keep it a little under its cap,
 * so that sends leaving a few ms past their starts, or late ones let through by mayDepart, find room
 * in the last second instead of being turned back to a slot further on.
 */
const PACE_SHARE = 0.98;

/** How long (ms, fractional) a send of `segments` segments holds a sender allowed `mps` segments a second. */
const slotCost = (segments: number, mps: number) => (Math.max(1, segments) * 1000) / (mps * PACE_SHARE);

export async function reserveSendSlot(
  redis: Redis,
  prefix: string,
  senderKey: string,
  segments: number,
  mps: number,
  nowMs: number,
): Promise<Slot> {
  if (mps <= 0) return { startMs: nowMs };
  const cost = slotCost(segments, mps);
  return { startMs: Number(await redis.eval(RESERVE, 1, `${prefix}:pace:${senderKey}`, String(nowMs), String(cost))) };
}

/**
 * How far ahead (ms) a bulk send may reserve the sender's next slot. Bulk work (a broadcast's
 * texts) shares the sender's key with reserveSendSlot but, unlike it, takes a slot only when the
 * sender frees within this lookahead, so the sender's reserved future never reaches further.
 * Several sends of a broadcast thus wait for their slot side by side and each leaves at its own
 * start, one cost after the other, keeping the sender at its cap however slow one send's own
 * work (reading its text, the claim, the carrier's answer) is; while a reply or a teacher's
 * one-to-one text, which reserves the next free slot, waits at most this lookahead plus one slot,
 * however long the broadcast's backlog. Every send then passes mayDepart, so the sender never
 * exceeds its mps in any second; and each sender has its own keys, so one school's broadcast
 * never slows another school's texts.
 *
 * Why here and not in BullMQ: its open-source edition rate-limits a whole queue, not a group
 * (a sending number) within it, and a queue per sender would need a worker per school. One Lua
 * script on the key both kinds of send already use keeps the rule atomic across every process.
 */
export const BULK_LOOKAHEAD_MS = 250;

/**
 * A refused bulk send is told to come back when half the lookahead has drained, not at the next
 * slot: the lanes refused together then find several slots free at once instead of racing for
 * each one, and the half still reserved keeps the sender busy meanwhile.
 */
const TAKE_BULK = `
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local ahead = tonumber(ARGV[3])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, free)
if start > now + ahead then return {0, string.format('%.3f', start - ahead / 2)} end
redis.call('SET', KEYS[1], string.format('%.3f', start + cost), 'PX', math.ceil(start + cost - now + 1000))
return {1, string.format('%.3f', start)}
`;

/** Reserves the sender's next slot for a bulk send if it starts within BULK_LOOKAHEAD_MS of now; else nothing, and when to ask again. */
export async function takeBulkSlot(
  redis: Redis,
  prefix: string,
  senderKey: string,
  segments: number,
  mps: number,
  nowMs: number,
): Promise<Slot | { retryAtMs: number }> {
  if (mps <= 0) return { startMs: nowMs };
  const cost = slotCost(segments, mps);
  const [reserved, at] = (await redis.eval(TAKE_BULK, 1, `${prefix}:pace:${senderKey}`, String(nowMs), String(cost), String(BULK_LOOKAHEAD_MS))) as [number, string];
  return reserved === 1 ? { startMs: Number(at) } : { retryAtMs: Number(at) };
}

/**
 * How far (ms) past its slot's start a send may still leave (if mayDepart lets it); later, it takes
 * another slot. A process held up for longer (a collection, a busy core) then lets through a few
 * late sends, not all it was holding at once: the carrier gets them spread as the slots were.
 */
export const LATE_DEPARTURE_MS = 50;

/**
 * Lets a send leave now if the sender's departures of the last second (every process's), with its
 * own segments, stay within mps, and counts it; else nothing is counted and it takes another slot.
 * A send bigger than the whole cap (a 3-segment text on a 1-mps long code) leaves into an empty
 * second. This, not the slots, is what keeps every second within the cap: slots spread the sends,
 * and a send that missed its own (this process was held up) still leaves while the second has room.
 */
const DEPART = `
local now = tonumber(ARGV[1])
local segments = tonumber(ARGV[2])
local mps = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
local used = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do used = used + tonumber(string.match(m, ':(%d+)$')) end
if used > 0 and used + segments > mps then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. segments)
redis.call('PEXPIRE', KEYS[1], 2000)
return 1
`;

/** Whether a send (`sendId`, unique per try: a message may be sent again after a passing refusal) of `segments` segments may leave the sender now; unpaced (mps 0) always. */
export async function mayDepart(
  redis: Redis,
  prefix: string,
  senderKey: string,
  segments: number,
  mps: number,
  nowMs: number,
  sendId: string,
): Promise<boolean> {
  if (mps <= 0) return true;
  const args = [String(nowMs), String(Math.max(1, segments)), String(mps), sendId];
  return (await redis.eval(DEPART, 1, `${prefix}:pace:${senderKey}:departed`, ...args)) === 1;
}
