import type { Deps } from '../deps';
import { isoNow } from '../lib/clock';
import { allSchools, familiesOfSchool } from '../../db/repositories/nudges';
import { storeNudgePage, type NudgeOutbound } from '../../db/repositories/nudge-sends';
import type { SchoolRow } from '../../db/repositories/routing';
import { decideSend, type PolicyDecision } from '../messaging/policy';
import { publishLive } from '../messaging/live';
import { senderFor, type Sender } from '../messaging/senders';
import { enqueueSends } from '../queue/queues';
import { NudgeBudget } from './budget';
import { planNudges, readPageFacts, type FamilyNudge } from './plan';
import { nudgeTiming, weekRange } from './week';

/** Families read, planned and sent per round: memory stays flat however many families a school has. */
export const NUDGE_PAGE = 500;

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
 * send time has come this week, each page of families without this week's plan is planned, then
 * claimed and stored in one transaction (nudge_plans, unique per family and week, so ticks that
 * overlap, two workers or a restart still send one), and only then are its send jobs enqueued.
 */
export async function runNudgeTick(deps: TickDeps): Promise<TickSummary> {
  const now = deps.clock.now();
  const summary: TickSummary = { schoolsDue: 0, families: 0, sent: 0, texts: 0, skipped: {} };
  for (const school of await allSchools(deps.db)) {
    const timing = nudgeTiming(slotOf(school), now, school.timezone);
    if (!timing.due || timing.quiet) continue;
    summary.schoolsDue++;
    const sender = senderFor(school, deps.config);
    const since = new Date(weekRange(timing.week, school.timezone)!.startMs).toISOString();
    let afterId = 0;
    // The page before is written while this one is read: its facts do not depend on it.
    let writing: Promise<void> = Promise.resolve();
    for (;;) {
      const page = await familiesOfSchool(deps.db, school.id, { afterId, limit: NUDGE_PAGE }, { withoutPlanFor: timing.week });
      if (!page.length) break;
      afterId = page[page.length - 1].id;
      const facts = await readPageFacts(deps.db, school, sender.key, page, now);
      await writing;
      // A budget per page: what earlier pages sent is in the database by now.
      const plans = await planNudges(deps.db, school, facts, now, timing.week, new NudgeBudget(deps.db, since));
      writing = carryOut(deps, school, sender, timing.week, plans, summary);
      // Awaited above or below; until then a failure must not count as unhandled.
      writing.catch(() => undefined);
    }
    await writing;
  }
  if (summary.families) deps.logger?.info({ ...summary }, 'weekend nudges tick');
  return summary;
}

async function carryOut(deps: TickDeps, school: SchoolRow, sender: Sender, week: string, plans: FamilyNudge[], summary: TickSummary): Promise<void> {
  const now = deps.clock.now();
  const decisions: Decisions = new Map();
  const stored = await storeNudgePage(deps.db, {
    schoolId: school.id,
    week,
    at: isoNow(deps.clock),
    skips: plans.flatMap((p) => (p.kind === 'skip' ? [{ familyId: p.family.id, reason: p.reason }] : [])),
    sends: plans.flatMap((p) => (p.kind === 'send' ? [{ familyId: p.family.id, texts: outbound(p, school, sender, now, decisions), tips: p.texts.flatMap((t) => t.tips) }] : [])),
  });
  // Stored before enqueued: a send job always finds its row (and housekeeping requeues a row whose job was lost).
  const messages = stored.sent.flatMap((s) => s.messages);
  await enqueueSends(
    deps.queues,
    messages.filter((m) => m.status !== 'blocked').map((m) => ({ messageId: m.id, delayMs: m.scheduledFor ? Date.parse(m.scheduledFor) - now : 0 })),
  );
  if (deps.redis && deps.logger) {
    for (const s of stored.sent) publishLive({ redis: deps.redis, logger: deps.logger, config: deps.config }, { conversationId: s.messages[0].conversationId, change: 'message' });
  }
  summary.families += stored.skipped.length + stored.sent.length;
  summary.sent += stored.sent.length;
  summary.texts += messages.length;
  for (const s of stored.skipped) summary.skipped[s.reason] = (summary.skipped[s.reason] ?? 0) + 1;
}

/** The send policy's decision for a page's families, per pause (the rest is the page's: its school and moment). */
type Decisions = Map<string | null, PolicyDecision>;

/**
 * A family's texts as message rows, one per number, with the send policy's decision now (the
 * worker decides again at send time). The plan has left out opted-out numbers and paused families.
 */
function outbound(plan: Extract<FamilyNudge, { kind: 'send' }>, school: SchoolRow, sender: Sender, now: number, decisions: Decisions): NudgeOutbound[] {
  const paused = plan.family.pausedUntil;
  let decision = decisions.get(paused);
  if (!decision) {
    const policy = { optedOut: false, timezone: school.timezone, pausedUntilMs: paused ? Date.parse(paused) : null };
    decisions.set(paused, (decision = decideSend({ kind: 'nudge', urgent: false, confirmsOptOut: false }, policy, now)));
  }
  const status = decision.action === 'send' ? 'queued' : decision.action === 'hold' ? 'held' : 'blocked';
  const scheduledFor = decision.action === 'hold' ? new Date(decision.untilMs).toISOString() : null;
  return plan.texts.flatMap((t) =>
    t.recipients.map((to) => ({ toNumber: to, body: t.text, language: t.language, encoding: t.encoding, segments: t.segments, fromNumber: sender.from ?? sender.key, status, scheduledFor })),
  );
}
