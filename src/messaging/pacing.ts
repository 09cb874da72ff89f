import type { Redis } from 'ioredis';

/**
 * A sender's slot for one send, in epoch ms: the send may leave from startMs, and until leaveByMs
 * (half a slot past its own) or, on a fast sender, lastChanceMs if the sender's last second has
 * room (see depart); later, it takes another slot (see deliverMessage). Unpaced: both are Infinity.
 */
export interface Slot {
  startMs: number;
  leaveByMs: number;
  lastChanceMs: number;
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
 * The share of its mps a sender is paced to: a slow sender's send may leave up to 1.5 slots past
 * its own start (see Slot), so a second may hold one or two starts more than its own share of
 * them; a fast one's departures are held to the share (see depart). 3% of 100 mps leaves room for
 * them and for the way to the carrier, where a pause of either process (a collection: 10-20 ms
 * measured in the simulator) carries two or three texts over a second's edge.
 */
const PACE_SHARE = 0.97;

/** How long (ms, fractional) a send of `segments` segments holds a sender allowed `mps` segments a second. */
const slotCost = (segments: number, mps: number) => (Math.max(1, segments) * 1000) / (mps * PACE_SHARE);
/**
 * How far (ms) past its slot's start a fast sender's send may still leave, if the sender's last
 * second has room (see depart): far enough for a collection or a busy moment, not so far that a
 * stalled process lets out a burst. Only senders faster than about 30 mps have slots this short: a
 * 1-mps long code keeps the plain rule (1.5 slots, a second and a half), with no lookup.
 */
export const LATE_DEPARTURE_MS = 50;
const slotAt = (startMs: number, cost: number): Slot => ({
  startMs,
  leaveByMs: startMs + 1.5 * cost,
  lastChanceMs: startMs + Math.max(LATE_DEPARTURE_MS, 1.5 * cost),
});
const unpacedSlot = (nowMs: number): Slot => ({ startMs: nowMs, leaveByMs: Infinity, lastChanceMs: Infinity });

export async function reserveSendSlot(
  redis: Redis,
  prefix: string,
  senderKey: string,
  segments: number,
  mps: number,
  nowMs: number,
): Promise<Slot> {
  if (mps <= 0) return unpacedSlot(nowMs);
  const cost = slotCost(segments, mps);
  const start = Number(await redis.eval(RESERVE, 1, `${prefix}:pace:${senderKey}`, String(nowMs), String(cost)));
  return slotAt(start, cost);
}

/**
 * How far ahead (ms) a bulk send may reserve the sender's next slot. Bulk work (a broadcast's
 * texts) shares the sender's key with reserveSendSlot but, unlike it, takes a slot only when the
 * sender frees within this lookahead, so the sender's reserved future never reaches further.
 * Several sends of a broadcast thus wait for their slot side by side and each leaves at its own
 * start, one cost after the other, keeping the sender at its cap however slow one send's own
 * work (reading its text, the claim, the carrier's answer) is; while a reply or a teacher's
 * one-to-one text, which reserves the next free slot, waits at most this lookahead plus one slot,
 * however long the broadcast's backlog. Starts are spaced by their cost and every send passes
 * depart, so the sender never exceeds its mps in any second; and each sender has its own key, so
 * one school's broadcast never slows another school's texts.
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
  if (mps <= 0) return unpacedSlot(nowMs);
  const cost = slotCost(segments, mps);
  const [reserved, at] = (await redis.eval(TAKE_BULK, 1, `${prefix}:pace:${senderKey}`, String(nowMs), String(cost), String(BULK_LOOKAHEAD_MS))) as [number, string];
  return reserved === 1 ? slotAt(Number(at), cost) : { retryAtMs: Number(at) };
}

/**
 * Lets a send leave now if the sender's departures of the last second (every process's), with its
 * own segments, stay within `cap`, and logs it; else nothing is logged.
 */
const DEPART = `
local now = tonumber(ARGV[1])
local segments = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
local used = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do used = used + tonumber(string.match(m, ':(%d+)$')) end
if used + segments > cap then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. segments)
redis.call('PEXPIRE', KEYS[1], 2000)
return 1
`;

/**
 * Whether a send (`sendId`, unique per try) may leave on its slot at `nowMs`; if not, it takes
 * another slot. A slow sender (slots of a third of a second or more: a long code, the lower 10DLC
 * tiers) keeps the plain rule, before its leaveBy. A fast one leaves until its lastChance if its
 * last second, with this send, stays within its paced share of its mps: so a send held up past its
 * slot (a busy process, a collection) takes the place its slot left empty instead of giving it up,
 * and no second at departure ever holds more than the share, which leaves the rest of the cap for
 * the way to the carrier, where a few texts may bunch up.
 */
export async function depart(
  redis: Redis,
  prefix: string,
  senderKey: string,
  slot: Slot,
  segments: number,
  mps: number,
  nowMs: number,
  sendId: string,
): Promise<boolean> {
  // A slow sender, or none (an unpaced slot's times are both Infinity): no late departures, none counted.
  if (slot.lastChanceMs <= slot.leaveByMs) return nowMs < slot.leaveByMs;
  if (nowMs > slot.lastChanceMs) return false;
  const args = [String(nowMs), String(Math.max(1, segments)), String(mps * PACE_SHARE), sendId];
  return (await redis.eval(DEPART, 1, `${prefix}:pace:${senderKey}:departed`, ...args)) === 1;
}
