import { DateTime } from 'luxon';
import type { Db } from '../../db/client';
import type { Config } from '../config';
import { allSchools, familiesOfSchool, plansOf, type NudgeFamily } from '../../db/repositories/nudges';
import type { SchoolRow } from '../../db/repositories/routing';
import { senderFor } from '../messaging/senders';
import { QUIET_HOURS } from '../messaging/quiet-hours';
import { NudgeBudget } from './budget';
import { planNudges, readPageFacts, type NudgeText } from './plan';
import { NUDGE_PAGE, slotOf } from './tick';
import { nudgeTiming, weekRange } from './week';

export interface NudgePreview {
  school: { id: number; name: string; timezone: string };
  family: { id: number; name: string; language: string };
  week: string;
  /** What the family would be sent, one entry per text; empty when it gets nothing. */
  texts: NudgeText[];
  /** Why it gets nothing, or why some of its numbers are left out. */
  why: string[];
}

const REASONS: Record<string, string> = {
  paused: 'paused by PAUSE',
  no_children: 'no children it may be contacted about',
  no_number: 'no number that can receive texts',
  opted_out: 'opted out',
  budget: "over this week's budget of automated texts",
  unknown_grade: 'a child has a grade the tip library does not know (PK, K, 1–12)',
};

/**
 * What each family (or the one family) would receive at `nowMs`, and for each that would get
 * nothing, why: exactly what a tick at that moment would do, without claiming or sending. Calls
 * `emit` family by family, so a district of any size previews in flat memory.
 */
export async function previewNudges(
  deps: { db: Db; config: Config },
  nowMs: number,
  emit: (p: NudgePreview) => void,
  familyId?: number,
): Promise<void> {
  for (const school of await allSchools(deps.db)) {
    const timing = nudgeTiming(slotOf(school), nowMs, school.timezone);
    const senderKey = senderFor(school, deps.config).key;
    const budget = new NudgeBudget(deps.db, new Date(weekRange(timing.week, school.timezone)!.startMs).toISOString());
    let afterId = 0;
    for (;;) {
      const page = await familiesOfSchool(deps.db, school.id, { afterId, limit: NUDGE_PAGE }, { familyId });
      if (!page.length) break;
      afterId = page[page.length - 1].id;
      const plans = new Map((await plansOf(deps.db, page.map((f) => f.id), timing.week)).map((p) => [p.familyId, p]));
      const open: NudgeFamily[] = [];
      for (const f of page) {
        const plan = plans.get(f.id);
        const base = { school: { id: school.id, name: school.name, timezone: school.timezone }, family: { id: f.id, name: f.displayName, language: f.language }, week: timing.week, texts: [] };
        if (plan) emit({ ...base, why: [plan.status === 'skipped' ? `skipped this week (${REASONS[plan.reason ?? ''] ?? plan.reason})` : 'already sent this week'] });
        else if (!timing.due) emit({ ...base, why: [`not due yet: sends ${when(timing.slotAtMs, school)}`] });
        else if (timing.quiet) emit({ ...base, why: [`quiet hours: it is ${local(nowMs, school, 'ccc HH:mm')} there; sends from ${String(QUIET_HOURS.startHour).padStart(2, '0')}:00`] });
        else open.push(f);
      }
      if (!open.length) continue;
      for (const p of await planNudges(deps.db, school, await readPageFacts(deps.db, school, senderKey, open, nowMs), nowMs, timing.week, budget)) {
        const base = { school: { id: school.id, name: school.name, timezone: school.timezone }, family: { id: p.family.id, name: p.family.displayName, language: p.family.language }, week: timing.week };
        if (p.kind === 'skip') emit({ ...base, texts: [], why: [p.reason === 'paused' ? `paused until ${when(Date.parse(p.pausedUntil!), school)}` : REASONS[p.reason]] });
        else emit({ ...base, texts: p.texts, why: p.left.map((l) => `not to ${l.number}: ${REASONS[l.reason]}`) });
      }
    }
  }
}

const local = (ms: number, school: SchoolRow, format: string) => DateTime.fromMillis(ms, { zone: school.timezone }).toFormat(format);
const when = (ms: number, school: SchoolRow) => `${local(ms, school, "ccc d LLL yyyy HH:mm")} ${school.timezone}`;

/** The preview as the CLI prints it. */
export function formatPreview(p: NudgePreview): string[] {
  const head = `Family #${p.family.id} ${p.family.name} (${p.school.name}, ${p.week}, ${p.family.language})`;
  if (!p.texts.length) return [`${head}: nothing, ${p.why.join('; ')}`];
  const lines = [`${head}:`];
  for (const t of p.texts) {
    lines.push(`  to ${t.recipients.join(', ')} [${t.language}, ${t.encoding}, ${t.segments} segment${t.segments === 1 ? '' : 's'}]`);
    lines.push(...t.text.split('\n').map((l) => `    ${l}`));
  }
  for (const w of p.why) lines.push(`  ${w}`);
  return lines;
}
