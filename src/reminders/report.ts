import type { Deps } from '../deps';
import { reportPage, repliesToBroadcast, type ReportRow } from '../../db/repositories/broadcast-reads';
import { plainMeaning } from '../channels/error-meaning';
import { csvLine } from '../lib/csv-cell';
import type { StaffPrincipal } from '../staff/scope';
import { findBroadcast, progressOf, viewOf } from './broadcasts';
import type { BroadcastView, ProgressStatus } from './model';

/** Who got a broadcast, who did not and why, with each error code in plain words. */

export interface ReportLine {
  familyId: number;
  studentIds: number[];
  phone: string | null;
  language: string;
  status: ProgressStatus;
  errorCode: number | null;
  /** The error code in plain words ("landline: can't receive texts"); null without one. */
  meaning: string | null;
  /** Why a skipped recipient was not texted: opted_out, paused, no_number, may_not_contact, budget. */
  reason: string | null;
}

export interface BroadcastReport {
  broadcast: BroadcastView;
  totals: Record<ProgressStatus, number> & { total: number };
  replies: {
    /** Inbound texts from recipients after their reminder, before the next reminder to them. */
    count: number;
    /** Recipients (numbers) that replied at least once. */
    recipients: number;
    /** "Reply 1"-style answers: a reply that is a number alone, counted per number ("1": 120). */
    answers: Record<string, number>;
  };
  rows: ReportLine[];
}

const PAGE = 1000;

export function lineOf(r: ReportRow): ReportLine {
  const status: ProgressStatus = r.recipientStatus === 'skipped' ? 'skipped' : progressOf(r.messageStatus ?? 'queued');
  // A text blocked at send time (opted out or paused after the fan-out) is skipped for that reason.
  const reason = r.reason ?? (r.messageStatus === 'blocked' ? (r.failureReason ?? 'opted_out') : null);
  return {
    familyId: r.familyId,
    studentIds: JSON.parse(r.studentIds) as number[],
    phone: r.phone,
    language: r.language,
    status,
    errorCode: r.errorCode,
    meaning: plainMeaning(r.errorCode),
    reason,
  };
}

/** Every recipient's line, a page at a time (for the CSV, which streams them). */
export async function* reportLines(deps: Pick<Deps, 'db'>, broadcastId: number): AsyncGenerator<ReportLine> {
  for (let after = 0; ; ) {
    const rows = await reportPage(deps.db, broadcastId, after, PAGE);
    for (const r of rows) yield lineOf(r);
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].recipientId;
  }
}

/** Digits alone ("1", " 2 ") are answers to a "reply 1" question; anything else is a reply in words. */
export function tallyReplies(replies: { messageId: number; body: string }[]): BroadcastReport['replies'] {
  const answers: Record<string, number> = {};
  for (const r of replies) {
    const answer = /^\s*(\d{1,2})[.!)]?\s*$/.exec(r.body)?.[1];
    if (answer !== undefined) answers[String(Number(answer))] = (answers[String(Number(answer))] ?? 0) + 1;
  }
  return { count: replies.length, recipients: new Set(replies.map((r) => r.messageId)).size, answers };
}

export async function broadcastReport(deps: Pick<Deps, 'db'>, who: StaffPrincipal, id: number): Promise<BroadcastReport> {
  const row = await findBroadcast(deps, who, id);
  const broadcast = await viewOf(deps, row);
  const rows: ReportLine[] = [];
  for await (const line of reportLines(deps, id)) rows.push(line);
  const totals = { queued: 0, sent: 0, delivered: 0, failed: 0, held: 0, canceled: 0, skipped: 0, total: rows.length };
  for (const r of rows) totals[r.status]++;
  return { broadcast, totals, replies: tallyReplies(await repliesToBroadcast(deps.db, id)), rows };
}

export const REPORT_CSV_HEADER = ['familyId', 'studentIds', 'phone', 'language', 'status', 'errorCode', 'meaning', 'reason'] as const;

/** The report as CSV lines (header first), every cell neutralized against spreadsheet formulas. */
export async function* broadcastReportCsv(deps: Pick<Deps, 'db'>, who: StaffPrincipal, id: number): AsyncGenerator<string> {
  await findBroadcast(deps, who, id);
  yield csvLine(REPORT_CSV_HEADER);
  for await (const l of reportLines(deps, id)) {
    yield csvLine([l.familyId, l.studentIds.join(' '), l.phone, l.language, l.status, l.errorCode, l.meaning, l.reason]);
  }
}
