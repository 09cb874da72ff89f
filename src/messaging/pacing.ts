import type { Redis } from 'ioredis';

/**
 * A sender's slot for one send, in epoch ms: the send may leave from startMs and must leave before
 * leaveByMs, half a slot past its own; later (this process was held up), it takes another slot
 * (see deliverMessage). Starts are spaced by their cost, so any second holds the sends of at most
 * (1000 ms + 1.5 slots) / cost starts: PACE_SHARE keeps that within the sender's mps.
 * Unpaced: leaveByMs is Infinity.
 */
export interface Slot {
  startMs: number;
  leaveByMs: number;
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
 * The share of its mps a sender is paced to: a send may leave up to 1.5 slots past its own start
 * (see Slot), so a second may hold one or two starts more than its own share of them; 2% of
 * 100 mps leaves room for them and for the request's own way to the carrier.
 */
const PACE_SHARE = 0.98;

/** How long (ms, fractional) a send of `segments` segments holds a sender allowed `mps` segments a second. */
const slotCost = (segments: number, mps: number) => (Math.max(1, segments) * 1000) / (mps * PACE_SHARE);
const slotAt = (startMs: number, cost: number): Slot => ({ startMs, leaveByMs: startMs + 1.5 * cost });

export async function reserveSendSlot(
  redis: Redis,
  prefix: string,
  senderKey: string,
  segments: number,
  mps: number,
  nowMs: number,
): Promise<Slot> {
  if (mps <= 0) return { startMs: nowMs, leaveByMs: Infinity };
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
 * however long the broadcast's backlog. Starts are spaced by their cost, so the sender never
 * exceeds its mps in any second (see Slot); and each sender has its own key, so one school's
 * broadcast never slows another school's texts.
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
  if (mps <= 0) return { startMs: nowMs, leaveByMs: Infinity };
  const cost = slotCost(segments, mps);
  const [reserved, at] = (await redis.eval(TAKE_BULK, 1, `${prefix}:pace:${senderKey}`, String(nowMs), String(cost), String(BULK_LOOKAHEAD_MS))) as [number, string];
  return reserved === 1 ? slotAt(Number(at), cost) : { retryAtMs: Number(at) };
}
