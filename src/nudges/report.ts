import type { Deps } from '../deps';
import { AppError } from '../errors';
import { nudgeWeekCounts } from '../../db/repositories/nudges';
import { listSchools } from '../../db/repositories/schools';
import { visibilityFor, type StaffPrincipal } from '../staff/scope';
import { nudgeWeek, weekRange, weeksBefore } from './week';

export interface NudgeReportRow {
  language: string;
  sent: number;
  delivered: number;
  replied: number;
  /** Nudges answered "1" (tried the tip): tip_feedback rows, one per nudge at most counted. */
  tipFeedback: number;
  optOuts: number;
}

export interface NudgeSchoolReport {
  schoolId: number;
  schoolName: string;
  timezone: string;
  week: string;
  languages: NudgeReportRow[];
  totals: Omit<NudgeReportRow, 'language'>;
}

const WEEK = /^\d{4}-W\d{2}$/;
const DAY_MS = 86_400_000;

/** Only admins read the report: it is about a whole school's families. */
function requireAdmin(who: StaffPrincipal): void {
  if (who.role === 'teacher') throw AppError.forbidden('Only a school or district admin may read the nudge report');
}

/**
 * Per school the caller administers (or the one asked for) and language: the week's nudges sent,
 * delivered, replied to, tip feedback, and opt-outs that followed them. `week` is an ISO week of
 * each school's own zone; without it, the current one.
 */
export async function nudgeReport(deps: Pick<Deps, 'db' | 'clock'>, who: StaffPrincipal, query: { week?: string; schoolId?: number }): Promise<NudgeSchoolReport[]> {
  if (query.week !== undefined && (!WEEK.test(query.week) || !weekRange(query.week, 'UTC'))) {
    throw AppError.validation({ week: 'must be an ISO week such as 2026-W45' });
  }
  const vis = await visibilityFor(deps.db, who);
  const schools = (await listSchools(deps.db, vis, { limit: 10_000 })).filter((s) => query.schoolId === undefined || s.id === query.schoolId);
  // Visibility first, so a 403 never tells a teacher of another school that this one exists.
  if (query.schoolId !== undefined && !schools.length) throw AppError.notFound(`School ${query.schoolId}`);
  requireAdmin(who);
  const out: NudgeSchoolReport[] = [];
  for (const s of schools) out.push(await schoolWeek(deps, s, query.week ?? nudgeWeek(deps.clock.now(), s.timezone)));
  return out;
}

async function schoolWeek(deps: Pick<Deps, 'db'>, s: { id: number; name: string; timezone: string }, week: string): Promise<NudgeSchoolReport> {
  const range = weekRange(week, s.timezone)!;
  const iso = (ms: number) => new Date(ms).toISOString();
  const rows = await nudgeWeekCounts(deps.db, s.id, iso(range.startMs), iso(range.endMs), iso(range.endMs + 7 * DAY_MS));
  const languages = rows.map((r) => ({ language: r.language ?? 'unknown', sent: r.sent, delivered: r.delivered, replied: r.replied, tipFeedback: r.tipFeedback, optOuts: r.optOuts }));
  const totals = { sent: 0, delivered: 0, replied: 0, tipFeedback: 0, optOuts: 0 };
  for (const l of languages) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += l[k];
  return { schoolId: s.id, schoolName: s.name, timezone: s.timezone, week, languages, totals };
}

/** One school's totals for each of the 12 weeks up to `week` (oldest first): the console's chart. */
export async function nudgeHistory(deps: Pick<Deps, 'db' | 'clock'>, who: StaffPrincipal, schoolId: number, week?: string, weeks = 12): Promise<NudgeSchoolReport[]> {
  const [current] = await nudgeReport(deps, who, { schoolId, week });
  const end = weekRange(current.week, current.timezone)!.startMs;
  const out: NudgeSchoolReport[] = [];
  for (let i = weeks - 1; i >= 1; i--) out.push(await schoolWeek(deps, { id: current.schoolId, name: current.schoolName, timezone: current.timezone }, weeksBefore(end + DAY_MS, current.timezone, i)));
  out.push(current);
  return out;
}
