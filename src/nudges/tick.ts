import type { Deps } from '../deps';
import { isoNow } from '../lib/clock';
import { allSchools, claimPlan, familiesOfSchool, finishPlan, recordTips } from '../../db/repositories/nudges';
import { getOrCreateConversation } from '../../db/repositories/messages';
import type { SchoolRow } from '../../db/repositories/routing';
import { queueOutbound } from '../messaging/outbound';
import { senderFor } from '../messaging/senders';
import { NudgeBudget } from './budget';
import { planNudges, type FamilyNudge } from './plan';
import { nudgeTiming, weekRange } from './week';

/** Families read, planned and sent per round: memory stays flat however many families a school has. */
export const NUDGE_PAGE = 500;

/** Families of a page carried out at once. */
const SEND_CONCURRENCY = 16;

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export type TickDeps = Pick<Deps, 'db' | 'config' | 'clock' | 'queues'> & Partial<Pick<Deps, 'redis' | 'logger'>>;

export interface TickSummary {
  /** Schools whose send time had come (and was inside waking hours). */
  schoolsDue: number;
  families: number;
  sent: number;
  texts: number;
  skipped: Record<string, number>;
}

/** The school's slot (an id of NUDGE_SLOTS; an unknown one falls back to the default). */
export const slotOf = (school: SchoolRow): string | null => school.nudgeSlot;

/**
 * One tick of the weekend nudges (every minute, from the job scheduler): for each school whose
 * send time has come this week, each family without this week's plan is claimed and sent its
 * nudge, or recorded as skipped with the reason. The claim (nudge_plans, unique per family and
 * week) comes before the text, so ticks that overlap, two workers or a restart still send one.
 */
export async function runNudgeTick(deps: TickDeps): Promise<TickSummary> {
  const now = deps.clock.now();
  const summary: TickSummary = { schoolsDue: 0, families: 0, sent: 0, texts: 0, skipped: {} };
  for (const school of await allSchools(deps.db)) {
    const timing = nudgeTiming(slotOf(school), now, school.timezone);
    if (!timing.due || timing.quiet) continue;
    summary.schoolsDue++;
    const senderKey = senderFor(school, deps.config).key;
    const since = new Date(weekRange(timing.week, school.timezone)!.startMs).toISOString();
    let afterId = 0;
    for (;;) {
      const page = await familiesOfSchool(deps.db, school.id, { afterId, limit: NUDGE_PAGE }, { withoutPlanFor: timing.week });
      if (!page.length) break;
      afterId = page[page.length - 1].id;
      // A budget per page: what earlier pages sent is in the database by now.
      const plans = await planNudges(deps.db, school, senderKey, page, now, timing.week, new NudgeBudget(deps.db, since));
      // Several families at once: their writes share transactions (group commit) and their Redis round trips overlap.
      await eachLimited(plans, SEND_CONCURRENCY, (plan) => carryOut(deps, school, timing.week, plan, summary));
    }
  }
  if (summary.families) deps.logger?.info({ ...summary }, 'weekend nudges tick');
  return summary;
}

async function carryOut(deps: TickDeps, school: SchoolRow, week: string, plan: FamilyNudge, summary: TickSummary): Promise<void> {
  const at = isoNow(deps.clock);
  const familyId = plan.family.id;
  const claimed = await claimPlan(deps.db, {
    familyId,
    schoolId: school.id,
    week,
    status: plan.kind === 'send' ? 'planned' : 'skipped',
    reason: plan.kind === 'skip' ? plan.reason : null,
    at,
  });
  if (!claimed) return; // another tick has this family's week
  summary.families++;
  if (plan.kind === 'skip') {
    summary.skipped[plan.reason] = (summary.skipped[plan.reason] ?? 0) + 1;
    return;
  }
  const conversation = await getOrCreateConversation(deps.db, { schoolId: school.id, familyId, unmatchedNumber: null }, at);
  let firstMessageId: number | null = null;
  for (const text of plan.texts) {
    const rows = await queueOutbound(deps, { conversationId: conversation.id, recipients: text.recipients, body: text.text, kind: 'nudge', language: text.language });
    firstMessageId ??= rows[0]?.id ?? null;
    summary.texts += rows.length;
  }
  const tips = plan.texts.flatMap((t) => t.tips);
  await recordTips(deps.db, tips.map((t) => ({ ...t, familyId, week, at })));
  await finishPlan(deps.db, familyId, week, { status: 'sent', messageId: firstMessageId, tipIds: JSON.stringify(tips), at });
  summary.sent++;
}
