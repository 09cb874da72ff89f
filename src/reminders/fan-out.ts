import type { Deps } from '../deps';
import { isoNow } from '../lib/clock';
import { getBroadcast, storeFanoutPage, type BroadcastRow, type NewRecipient } from '../../db/repositories/broadcasts';
import { audienceFamilies, audienceLinks, type StudentFilter } from '../../db/repositories/broadcast-audience';
import { optedOutNumbers, phonesOfGuardians } from '../../db/repositories/update-audience';
import { getSchool, type SchoolRow } from '../../db/repositories/routing';
import type { NewMessage } from '../../db/repositories/messages';
import { segmentInfo } from '../i18n/segments';
import { senderFor, type Sender } from '../messaging/senders';
import { NudgeBudget } from '../nudges/budget';
import { nudgeWeek, weekRange } from '../nudges/week';
import { enqueueBatch, enqueueFanout } from '../queue/queues';
import { pageRecipients, type AudienceRow, type PageFamily } from './audience';
import { dueAt } from './schedule';
import { publishBroadcastLive } from './live';
import { settleBroadcast } from './control';
import type { AudienceSpec } from './model';

/**
 * Families per fan-out page, and so per batch send job: big enough that a 50,000-family broadcast
 * is a hundred jobs, small enough that a page's rows go in as a few multi-row inserts in one short
 * transaction and memory stays flat whatever the audience.
 */
export const FANOUT_PAGE = 500;

export const filterOf = (a: AudienceSpec): StudentFilter => a;

/** The text a family gets: its language's, else English (the request always has English). */
export function textFor(texts: Record<string, string>, language: string): { language: string; body: string } {
  return texts[language] ? { language, body: texts[language] } : { language: 'en', body: texts.en };
}

/** One page of families worked out: who gets it, on which number, and who is skipped and why. */
export async function workOutPage(
  deps: Pick<Deps, 'db'>,
  b: Pick<BroadcastRow, 'urgent'> & { audience: AudienceSpec },
  school: SchoolRow,
  sender: Sender,
  families: PageFamily[],
  budget: NudgeBudget | null,
  nowMs: number,
): Promise<AudienceRow[]> {
  const ids = families.map((f) => f.id);
  const links = await audienceLinks(deps.db, school.id, filterOf(b.audience), ids);
  const phones = await phonesOfGuardians(deps.db, [...new Set(links.map((l) => l.guardianId))]);
  const numbers = phones.filter((p) => p.canReceive).map((p) => p.number);
  const optedOut = await optedOutNumbers(deps.db, numbers, sender.key);
  if (budget) await budget.load(numbers);
  return pageRecipients({
    families,
    links,
    phones,
    optedOut,
    urgent: b.urgent,
    nowMs,
    // Counted as each number is given a text, so a number in two families of the page is counted twice.
    budgetAllows: (n) => {
      if (!budget) return true;
      if (!budget.allowsAutomated(n)) return false;
      budget.spendAutomated(n);
      return true;
    },
  });
}

/** The budget reminders count against: the automated texts of the week (school zone) they are created in. */
export function budgetFor(deps: Pick<Deps, 'db'>, school: SchoolRow, urgent: boolean, nowMs: number): NudgeBudget | null {
  if (urgent) return null;
  return new NudgeBudget(deps.db, new Date(weekRange(nudgeWeek(nowMs, school.timezone), school.timezone)!.startMs).toISOString());
}

/**
 * The fan-out job, one page per run: stores the page's recipients and messages with the moved
 * cursor (storeFanoutPage), enqueues the page's batch send job delayed to its first due text, and
 * hands the next page to a new job named by the new cursor. A run cut short leaves the cursor
 * where it was; its job runs again, or the tick's recovery adds one for that cursor.
 *
 * A broadcast canceled before the fan-out reached every family still walks the rest of its
 * audience, storing those families' texts 'canceled' (and who would have been skipped, with why),
 * so its report lists every family it was meant for and what became of each.
 */
export async function runFanout(deps: Deps, broadcastId: number): Promise<void> {
  const b = await getBroadcast(deps.db, broadcastId);
  if (!b || b.fanoutDone || b.status === 'done') return;
  if (await fanoutPage(deps, b)) return;
  // Not stored: another run stored this page first (nothing to do), or a cancel committed while the
  // page was worked out, and then the page is stored again as canceled.
  const now = await getBroadcast(deps.db, broadcastId);
  if (now && now.status === 'canceled' && b.status !== 'canceled' && !now.fanoutDone && now.fanoutCursor === b.fanoutCursor) await fanoutPage(deps, now);
}

async function fanoutPage(deps: Deps, b: BroadcastRow): Promise<boolean> {
  const canceled = b.status === 'canceled';
  const school = (await getSchool(deps.db, b.schoolId))!;
  const sender = senderFor(school, deps.config);
  const texts = JSON.parse(b.texts) as Record<string, string>;
  const audience = JSON.parse(b.audience) as AudienceSpec;
  const nowMs = deps.clock.now();
  const at = isoNow(deps.clock);
  // A canceled broadcast's texts never leave, so they spend nobody's weekly budget.
  const budget = canceled ? null : budgetFor(deps, school, b.urgent, nowMs);
  const messageOf = messageBuilder(texts, sender, b.urgent, canceled ? 'canceled' : 'queued');
  const families = await audienceFamilies(deps.db, school.id, filterOf(audience), b.fanoutCursor, FANOUT_PAGE);
  const rows = await workOutPage(deps, { urgent: b.urgent, audience }, school, sender, families, budget, nowMs);
  const created = { sendAt: b.sendAt, localTime: b.localTime, createdAtMs: Date.parse(b.createdAt) };
  const stored = rows.map((r) => {
    const due = r.reason || canceled ? null : dueAt(created, { school: school.timezone, family: r.timezone }, nowMs);
    const recipient: NewRecipient = {
      familyId: r.familyId,
      phone: r.phone,
      language: r.language,
      studentIds: JSON.stringify(r.studentIds),
      status: r.reason ? 'skipped' : 'queued',
      reason: r.reason,
      dueAt: due === null ? null : new Date(due).toISOString(),
    };
    return { recipient, message: r.reason || !r.phone ? null : messageOf(r.phone, textFor(texts, r.language), at) };
  });
  const last = families.length < FANOUT_PAGE;
  const toCursor = families.length ? families[families.length - 1].id : b.fanoutCursor;
  const page = b.pages;
  if (!(await storeFanoutPage(deps.db, { broadcastId: b.id, schoolId: school.id, fromCursor: b.fanoutCursor, toCursor, page, last, rows: stored, at, canceled }))) return false;
  const dues = stored.filter((s) => s.recipient.dueAt).map((s) => Date.parse(s.recipient.dueAt!));
  if (dues.length) await enqueueBatch(deps.queues, b.id, page, b.sendRound, Math.min(...dues) - nowMs);
  if (!last) await enqueueFanout(deps.queues, b.id, toCursor);
  else await settleBroadcast(deps, b.id);
  deps.logger.info({ broadcastId: b.id, page, families: families.length, texts: dues.length, canceled }, 'broadcast page fanned out');
  publishBroadcastLive(deps, b.id);
  return true;
}

function messageBuilder(texts: Record<string, string>, sender: Sender, urgent: boolean, status: 'queued' | 'canceled') {
  const seg = new Map(Object.entries(texts).map(([lng, body]) => [lng, segmentInfo(body)]));
  return (to: string, text: { language: string; body: string }, at: string): Omit<NewMessage, 'conversationId'> => ({
    direction: 'outbound',
    kind: 'reminder',
    body: text.body,
    language: text.language,
    encoding: seg.get(text.language)!.encoding,
    segments: seg.get(text.language)!.segments,
    fromNumber: sender.from ?? sender.key,
    toNumber: to,
    status,
    // No staff sender: replies to a bulk reminder go to the office inbox, not to the one admin
    // who sent it (broadcasts.created_by keeps who that was).
    staffId: null,
    urgent,
    createdAt: at,
    updatedAt: at,
  });
}
