import type { Deps } from '../deps';
import { AppError } from '../errors';
import { isoNow } from '../lib/clock';
import { getBroadcast, insertBroadcast, listBroadcasts, type BroadcastRow } from '../../db/repositories/broadcasts';
import { classIdsOfSchool, studentIdsByRosterId, studentIdsOfSchool } from '../../db/repositories/broadcast-audience';
import { broadcastCounts } from '../../db/repositories/broadcast-reads';
import { getSchool } from '../staff/schools';
import { may, requireThat, visibilityFor, type StaffPrincipal } from '../staff/scope';
import type { SchoolRow } from '../../db/repositories/routing';
import { enqueueFanout } from '../queue/queues';
import { GUARDRAIL_BANNER } from './guardrail';
import type { AudienceInput, AudienceSpec, BroadcastInput, BroadcastRequest, BroadcastView, ProgressStatus } from './model';
import { withTexts } from './reminder-texts';

/** How far a sendAt may lie in the past (a clock a little behind) before it is refused. */
const PAST_SKEW_MS = 5 * 60_000;

/**
 * The school a caller broadcasts to: one they cannot see answers 404 like a missing one; one they
 * see but may not broadcast to (a teacher) 403. Urgent is an admin's call (scope.ts).
 */
export async function broadcastSchool(deps: Pick<Deps, 'db' | 'clock'>, who: StaffPrincipal, req: Pick<BroadcastRequest, 'schoolId' | 'urgent'>): Promise<SchoolRow> {
  const school = await getSchool(deps, who, req.schoolId);
  requireThat(may.broadcast(who, school.id), 'Only a school admin of this school or a district admin may send a broadcast');
  if (req.urgent) requireThat(may.sendUrgent(who), 'Only an admin may mark a broadcast urgent');
  return school;
}

/**
 * The audience with every class and student it names checked to be the school's (the unknown ones
 * are listed) and students named by roster id turned into FamilyLine ids.
 */
export async function resolveAudience(deps: Pick<Deps, 'db'>, schoolId: number, audience: AudienceInput): Promise<AudienceSpec> {
  if (audience.type === 'classes') {
    const found = await classIdsOfSchool(deps.db, schoolId, audience.ids);
    unknownIds('classes', audience.ids.filter((id) => !found.has(id)));
    return audience;
  }
  if (audience.type !== 'students') return audience;
  const rosterIds = audience.ids.filter((id): id is string => typeof id === 'string');
  const byRosterId = await studentIdsByRosterId(deps.db, schoolId, rosterIds);
  const ids = audience.ids.filter((id): id is number => typeof id === 'number');
  const found = await studentIdsOfSchool(deps.db, schoolId, ids);
  unknownIds('students', [...ids.filter((id) => !found.has(id)), ...rosterIds.filter((id) => !byRosterId.has(id))]);
  // In the caller's order, each student once.
  return { type: 'students', ids: [...new Set(audience.ids.map((id) => (typeof id === 'number' ? id : byRosterId.get(id)!)))] };
}

function unknownIds(what: 'classes' | 'students', missing: (number | string)[]): void {
  if (!missing.length) return;
  throw AppError.validation({ 'audience.ids': `not ${what} of this school: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}` });
}

export function checkTiming(req: Pick<BroadcastRequest, 'sendAt'>, nowMs: number): void {
  if (req.sendAt && Date.parse(req.sendAt) < nowMs - PAST_SKEW_MS) throw AppError.validation({ sendAt: 'is in the past' });
}

/**
 * Stores the broadcast and enqueues its fan-out, nothing more: a 50,000-family audience is worked
 * out page by page by the worker (fan-out.ts), so the request answers at once.
 */
export async function createBroadcast(deps: Deps, who: StaffPrincipal, input: BroadcastInput): Promise<BroadcastView> {
  const school = await broadcastSchool(deps, who, input);
  const req = await withTexts(deps, school, { ...input, audience: await resolveAudience(deps, school.id, input.audience) });
  checkTiming(req, deps.clock.now());
  const at = isoNow(deps.clock);
  const row = await insertBroadcast(deps.db, {
    schoolId: school.id,
    createdBy: who.id,
    texts: JSON.stringify(req.texts),
    audience: JSON.stringify(req.audience),
    urgent: req.urgent,
    sendAt: req.sendAt ? new Date(req.sendAt).toISOString() : null,
    localTime: req.localTime,
    status: 'scheduled',
    createdAt: at,
    updatedAt: at,
  });
  await enqueueFanout(deps.queues, row.id, 0);
  deps.logger.info({ broadcastId: row.id, schoolId: school.id, audience: req.audience.type, urgent: req.urgent }, 'broadcast created');
  return viewOf(deps, row);
}

/** A broadcast the caller may see: 404 for one outside their schools, 403 for a teacher of the school. */
export async function findBroadcast(deps: Pick<Deps, 'db'>, who: StaffPrincipal, id: number): Promise<BroadcastRow> {
  const row = await getBroadcast(deps.db, id);
  const vis = await visibilityFor(deps.db, who);
  if (!row || (vis.schoolIds !== null && !vis.schoolIds.includes(row.schoolId))) throw AppError.notFound(`Broadcast ${id}`);
  requireThat(may.broadcast(who, row.schoolId), 'Only a school admin of this school or a district admin may see its broadcasts');
  return row;
}

/** Whether the caller may see the broadcast at all (the console's live events ask, per page). */
export async function canSeeBroadcast(deps: Pick<Deps, 'db'>, who: StaffPrincipal, id: number): Promise<boolean> {
  if (who.role === 'teacher') return false;
  const row = await getBroadcast(deps.db, id);
  const vis = await visibilityFor(deps.db, who);
  return Boolean(row) && (vis.schoolIds === null || vis.schoolIds.includes(row!.schoolId)) && may.broadcast(who, row!.schoolId);
}

export async function getBroadcastView(deps: Pick<Deps, 'db'>, who: StaffPrincipal, id: number): Promise<BroadcastView> {
  return viewOf(deps, await findBroadcast(deps, who, id));
}

/** Newest first, within the caller's schools (or the one asked for). Teachers see none. */
export async function listBroadcastViews(
  deps: Pick<Deps, 'db'>,
  who: StaffPrincipal,
  q: { schoolId?: number; limit: number; beforeId?: number },
): Promise<BroadcastRow[]> {
  if (who.role === 'teacher') return [];
  const vis = await visibilityFor(deps.db, who);
  const schoolIds = q.schoolId === undefined ? vis.schoolIds : vis.schoolIds === null || vis.schoolIds.includes(q.schoolId) ? [q.schoolId] : [];
  return listBroadcasts(deps.db, schoolIds, { limit: q.limit, beforeId: q.beforeId });
}

/** How a message's own status counts in a broadcast's progress. */
const PROGRESS_OF: Record<string, ProgressStatus> = {
  queued: 'queued',
  held: 'held',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'canceled',
  // Opted out between the fan-out and its send: never sent, like a recipient skipped up front.
  blocked: 'skipped',
};
export const progressOf = (status: string): ProgressStatus => PROGRESS_OF[status] ?? 'queued';

export async function viewOf(deps: Pick<Deps, 'db'>, row: BroadcastRow): Promise<BroadcastView> {
  const { byStatus, skipped } = await broadcastCounts(deps.db, row.id);
  const counts = { queued: 0, sent: 0, delivered: 0, failed: 0, held: 0, canceled: 0, skipped, total: 0 };
  for (const [status, n] of Object.entries(byStatus)) counts[progressOf(status)] += n;
  counts.total = counts.queued + counts.sent + counts.delivered + counts.failed + counts.held + counts.canceled + counts.skipped;
  return {
    id: row.id,
    schoolId: row.schoolId,
    createdBy: row.createdBy,
    audience: JSON.parse(row.audience) as AudienceSpec,
    texts: JSON.parse(row.texts) as Record<string, string>,
    sendAt: row.sendAt,
    localTime: row.localTime,
    urgent: row.urgent,
    status: row.status,
    pausedReason: row.pausedReason,
    banner: guardrailBanner(row),
    fanout: { done: row.fanoutDone, pages: row.pages },
    counts,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The console's banner for a broadcast the guardrail paused (null otherwise). */
export function guardrailBanner(row: Pick<BroadcastRow, 'status' | 'pausedReason'>): string | null {
  return row.status === 'paused' && row.pausedReason === 'guardrail' ? GUARDRAIL_BANNER : null;
}
