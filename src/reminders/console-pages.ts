import type { Deps } from '../deps';
import { GRADES } from '../families/codes';
import { DEFAULT_LANGUAGE } from '../i18n/languages';
import { sendOnce } from '../updates/send-once';
import { getSchool, listSchools } from '../staff/schools';
import { listClasses } from '../staff/roster';
import { may, requireThat, visibilityFor, type StaffPrincipal } from '../staff/scope';
import type { SchoolRow } from '../../db/repositories/routing';
import { audienceLanguages, gradesOfSchool } from '../../db/repositories/broadcast-audience';
import { repliesToBroadcast, reportNames, reportPage } from '../../db/repositories/broadcast-reads';
import { guardrailPausedBroadcasts } from '../../db/repositories/broadcasts';
import { broadcastSchool, createBroadcast, findBroadcast, listBroadcastViews, viewOf } from './broadcasts';
import type { BroadcastInput, BroadcastView } from './model';
import { lineOf, tallyReplies, type BroadcastReport, type ReportLine } from './report';
import { reminderTemplates, type ReminderTemplate } from './templates';

/**
 * What the staff console's broadcast pages show (src/http/console/broadcasts.ts), built on the
 * same functions as the JSON API (src/http/api/broadcasts.ts), so both answer the same way: a
 * teacher is refused (403), a broadcast of another school is missing (404).
 */

/** The schools the caller may broadcast to; a teacher may not broadcast at all. */
export async function broadcastSchools(deps: Pick<Deps, 'db' | 'clock'>, who: StaffPrincipal): Promise<SchoolRow[]> {
  requireThat(who.role !== 'teacher', 'Only a school or district admin may send broadcasts');
  return (await listSchools(deps, who, { limit: 500 })).filter((s) => may.broadcast(who, s.id));
}

export interface BroadcastListing {
  items: (BroadcastView & { schoolName: string; timezone: string })[];
  /** The id to list before for the next (older) page, or null. */
  nextBefore: number | null;
  schools: SchoolRow[];
}

/** Newest first, within the caller's schools, each with its counts. */
export async function broadcastListing(deps: Pick<Deps, 'db' | 'clock'>, who: StaffPrincipal, q: { limit: number; beforeId?: number }): Promise<BroadcastListing> {
  const schools = await broadcastSchools(deps, who);
  const rows = await listBroadcastViews(deps, who, q);
  const kept = rows.slice(0, q.limit);
  const byId = new Map(schools.map((s) => [s.id, s]));
  const items = [];
  for (const row of kept) {
    const school = byId.get(row.schoolId);
    items.push({ ...(await viewOf(deps, row)), schoolName: school?.name ?? `School ${row.schoolId}`, timezone: school?.timezone ?? 'UTC' });
  }
  return { items, nextBefore: rows.length > q.limit ? kept[kept.length - 1].id : null, schools };
}

export interface ComposeChoices {
  school: SchoolRow;
  /** The school's grades that have students, in grade order. */
  grades: string[];
  classes: { id: number; title: string }[];
  /** English first, then every other language the school's families read: one text box each. */
  languages: string[];
  reminders: ReminderTemplate[];
  mayUrgent: boolean;
}

/** What the compose form offers for one school the caller may broadcast to. */
export async function composeChoices(deps: Pick<Deps, 'db' | 'clock'>, who: StaffPrincipal, schoolId: number): Promise<ComposeChoices> {
  const school = await broadcastSchool(deps, who, { schoolId, urgent: false });
  const present = new Set(await gradesOfSchool(deps.db, school.id));
  const classes = (await listClasses(deps, who, { limit: 500, schoolId: school.id })).filter((c) => c.active).map((c) => ({ id: c.id, title: c.title }));
  const read = await audienceLanguages(deps.db, school.id, { type: 'school' });
  const languages = [DEFAULT_LANGUAGE, ...read.filter((l) => l !== DEFAULT_LANGUAGE).sort()];
  return { school, grades: GRADES.filter((g) => present.has(g)), classes, languages, reminders: reminderTemplates(), mayUrgent: may.sendUrgent(who) };
}

/**
 * createBroadcast, once per `requestId` (made when the preview was shown): a second press of
 * Send, or a reload of its POST, gets the first broadcast back instead of a second one. The same
 * Redis claim as the update composer's (src/updates/send-once.ts).
 */
export async function createBroadcastOnce(deps: Deps, who: StaffPrincipal, input: BroadcastInput, requestId: string): Promise<BroadcastView> {
  const { result } = await sendOnce(deps.redis, { prefix: deps.config.queuePrefix, staffId: who.id, requestId, kind: 'broadcast' }, () => createBroadcast(deps, who, input));
  return result;
}

export interface BroadcastDetail {
  view: BroadcastView;
  school: SchoolRow;
  replies: BroadcastReport['replies'];
}

export async function broadcastDetail(deps: Pick<Deps, 'db' | 'clock'>, who: StaffPrincipal, id: number): Promise<BroadcastDetail> {
  const row = await findBroadcast(deps, who, id);
  return { view: await viewOf(deps, row), school: await getSchool(deps, who, row.schoolId), replies: tallyReplies(await repliesToBroadcast(deps.db, id)) };
}

export interface ReportPageLine extends ReportLine {
  recipientId: number;
  familyName: string;
  studentNames: string[];
}

/** One page of the delivery report (totals are the broadcast's counts), with family and student names. */
export async function broadcastReportPage(
  deps: Pick<Deps, 'db' | 'clock'>,
  who: StaffPrincipal,
  id: number,
  q: { afterId: number; limit: number },
): Promise<BroadcastDetail & { rows: ReportPageLine[]; nextAfter: number | null }> {
  const detail = await broadcastDetail(deps, who, id);
  const rows = await reportPage(deps.db, id, q.afterId, q.limit + 1);
  const kept = rows.slice(0, q.limit);
  const lines = kept.map((r) => ({ recipientId: r.recipientId, ...lineOf(r) }));
  const names = await reportNames(deps.db, [...new Set(lines.map((l) => l.familyId))], [...new Set(lines.flatMap((l) => l.studentIds))]);
  return {
    ...detail,
    rows: lines.map((l) => ({ ...l, familyName: names.families.get(l.familyId) ?? `Family ${l.familyId}`, studentNames: l.studentIds.map((s) => names.students.get(s) ?? `Student ${s}`) })),
    nextAfter: rows.length > q.limit ? kept[kept.length - 1].recipientId : null,
  };
}

/**
 * The caller's broadcasts that the guardrail paused (the console's banner on every page, for the
 * admins who may resume or cancel them); none for a teacher.
 */
export async function guardrailPausedFor(deps: Pick<Deps, 'db'>, who: StaffPrincipal): Promise<{ id: number; schoolId: number }[]> {
  if (who.role === 'teacher') return [];
  const vis = await visibilityFor(deps.db, who);
  return (await guardrailPausedBroadcasts(deps.db, vis.schoolIds, 5)).filter((b) => may.broadcast(who, b.schoolId));
}
