import type { Deps } from '../deps';
import { isoNow } from '../lib/clock';
import { maskPhone } from '../lib/phone';
import { getBroadcast } from '../../db/repositories/broadcasts';
import { lastAttemptCodes } from '../../db/repositories/broadcast-reads';
import { findStaffById } from '../../db/repositories/staff';
import { getSchool } from '../../db/repositories/routing';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { queueOutbound } from '../messaging/outbound';
import { pauseBroadcast } from './control';

/**
 * Carrier filtering (30007) and unregistered-sender (30034) failures hurt the sending number's
 * reputation with every further text: past 2% of the broadcast's last 200 attempts (more than 4),
 * the broadcast pauses itself, its creator gets a text, and the console shows a banner, so a
 * person decides whether to fix the wording or the registration before the rest goes out.
 */
export const GUARDRAIL = { codes: new Set([30007, 30034]), window: 200, share: 0.02 } as const;

/** True when the last attempts' codes pass the guardrail's share. */
export function guardrailTripped(codes: (number | null)[]): boolean {
  const bad = codes.filter((c) => c !== null && GUARDRAIL.codes.has(c)).length;
  return bad > GUARDRAIL.window * GUARDRAIL.share;
}

export const GUARDRAIL_BANNER =
  'This broadcast paused itself: carriers filtered or refused more than 2% of its last 200 texts. Check the wording and the sending number\'s registration, then resume or cancel it.';

/** Called on each failure of a broadcast's text, from a send error or a status callback. */
export async function noteBroadcastFailure(deps: Deps, broadcastId: number, code: number): Promise<void> {
  if (!GUARDRAIL.codes.has(code)) return;
  if (!guardrailTripped(await lastAttemptCodes(deps.db, broadcastId, GUARDRAIL.window))) return;
  const paused = await pauseBroadcast(deps, broadcastId, 'guardrail');
  if (!paused) return; // already paused, canceled or done: someone else told the creator
  forgetStatus(broadcastId);
  deps.logger.warn({ broadcastId, code }, 'broadcast paused itself: too many filtered or unregistered-number failures');
  await textCreator(deps, broadcastId);
}

async function textCreator(deps: Deps, broadcastId: number): Promise<void> {
  const b = await getBroadcast(deps.db, broadcastId);
  const creator = b ? await findStaffById(deps.db, b.createdBy) : undefined;
  if (!b || !creator?.phone) return;
  const at = isoNow(deps.clock);
  // Kept in the school's inbox as a conversation with that number, like any text FamilyLine sends.
  const conversation = await getOrCreateConversation(deps.db, { schoolId: b.schoolId, familyId: null, unmatchedNumber: creator.phone }, at);
  await queueOutbound(deps, {
    conversationId: conversation.id,
    recipients: [creator.phone],
    body: `FamilyLine: broadcast #${b.id} paused itself. Carriers filtered or refused too many of its texts. Open the console to resume or cancel it.`,
    kind: 'system',
    urgent: true,
  });
  deps.logger.info({ broadcastId, to: maskPhone(creator.phone) }, 'broadcast creator told of the guardrail pause');
}

/**
 * Whether a broadcast's texts may leave now. Read at most once a second per broadcast and process:
 * a batch of thousands asks per text, and a pause or cancel takes effect within that second.
 */
export interface BroadcastState {
  status: string;
  sendRound: number;
  /** The school's pace (segments per second, 0 = none), for how many texts a batch keeps in flight. */
  mps: number;
}
const cache = new Map<number, { state: BroadcastState | null; until: number }>();
const CACHE_MS = 1000;

export async function broadcastState(deps: Pick<Deps, 'db'>, broadcastId: number): Promise<BroadcastState | null> {
  const hit = cache.get(broadcastId);
  const now = Date.now();
  if (hit && hit.until > now) return hit.state;
  const row = await getBroadcast(deps.db, broadcastId);
  const state = row ? { status: row.status, sendRound: row.sendRound, mps: (await getSchool(deps.db, row.schoolId))?.mps ?? 1 } : null;
  cache.set(broadcastId, { state, until: now + CACHE_MS });
  if (cache.size > 1000) for (const [id, v] of cache) if (v.until <= now) cache.delete(id);
  return state;
}

export async function broadcastMayGo(deps: Pick<Deps, 'db'>, broadcastId: number): Promise<boolean> {
  const status = (await broadcastState(deps, broadcastId))?.status;
  return status === 'sending' || status === 'scheduled';
}

/** This process's own changes are seen at once. */
export function forgetStatus(broadcastId: number): void {
  cache.delete(broadcastId);
}
