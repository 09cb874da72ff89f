import type { Deps } from '../deps';
import { AppError } from '../errors';
import * as repo from '../../db/repositories/conversation-reads';
import { findSchool } from '../../db/repositories/schools';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { textableNumbers } from '../../db/repositories/routing';
import { sendStaffReply } from '../messaging/outbound';
import { nextSendTime } from '../messaging/quiet-hours';
import { getFamily } from '../families/families';
import { isoNow } from '../lib/clock';
import { may, requireThat, visibilityFor, type StaffPrincipal } from './scope';
import type { Ctx } from './schools';
import { signBody, weekStart } from './signature';

/** What a staff member sees of the conversation log, and their replies into it. */

export type ConversationRow = repo.ConversationRow;
export type MessageRow = repo.MessageRow;

export async function listConversations(
  ctx: Ctx,
  who: StaffPrincipal,
  filter: repo.ConversationFilter,
  page: { limit: number; after?: { activity: string; id: number } },
): Promise<repo.ConversationListRow[]> {
  return repo.listConversations(ctx.db, await visibilityFor(ctx.db, who), filter, page);
}

export async function getConversation(ctx: Ctx, who: StaffPrincipal, id: number): Promise<ConversationRow> {
  const conversation = await repo.findConversation(ctx.db, id, await visibilityFor(ctx.db, who));
  if (!conversation) throw AppError.notFound(`Conversation ${id}`);
  return conversation;
}

/** Reading up to the newest message marks the conversation read (see the repository). */
export async function readMessages(
  ctx: Ctx,
  who: StaffPrincipal,
  conversationId: number,
  page: { limit: number; afterId?: number },
): Promise<MessageRow[]> {
  await getConversation(ctx, who, conversationId);
  return repo.readConversationMessages(ctx.db, conversationId, page);
}

export async function getMessage(
  ctx: Ctx,
  who: StaffPrincipal,
  id: number,
): Promise<{ message: MessageRow; events: repo.MessageEventRow[] }> {
  const message = await repo.findMessage(ctx.db, id, await visibilityFor(ctx.db, who));
  if (!message) throw AppError.notFound(`Message ${id}`);
  return { message, events: await repo.listMessageEvents(ctx.db, id) };
}

export interface ReplyResult {
  id: number;
  status: string;
  scheduledFor: string | null;
  recipients: { id: number; to: string; status: string }[];
}

/**
 * One outbound message per textable number; the messaging module decides when each may leave. A
 * teacher's first text in a conversation each week is signed with their name (signature.ts).
 */
export async function replyToConversation(
  deps: Deps,
  who: StaffPrincipal,
  conversationId: number,
  input: { body: string; urgent: boolean },
): Promise<ReplyResult> {
  const conversation = await getConversation(deps, who, conversationId);
  if (input.urgent) requireThat(may.sendUrgent(who), 'Only a school or district admin may send urgent messages');
  let body = input.body;
  if (who.role === 'teacher' && who.name?.trim()) {
    const zone = await timezoneOf(deps, conversation);
    if (!(await repo.staffTextedSince(deps.db, conversationId, who.id, weekStart(deps.clock.now(), zone)))) body = signBody(body, who.name.trim());
  }
  // A family with no textable number is refused there (409 no_recipients), so there is always a first message.
  const { messages } = await sendStaffReply(deps, { conversationId, staffId: who.id, body, urgent: input.urgent });
  const first = messages[0];
  return {
    id: first.id,
    status: first.status,
    scheduledFor: first.scheduledFor,
    recipients: messages.map((m) => ({ id: m.id, to: m.to, status: m.status })),
  };
}

async function timezoneOf(deps: Pick<Deps, 'db' | 'config'>, conversation: Pick<ConversationRow, 'schoolId'>): Promise<string> {
  const school = conversation.schoolId === null ? undefined : await findSchool(deps.db, conversation.schoolId);
  return school?.timezone ?? deps.config.defaultTimezone;
}

/**
 * A text to a family from its page, whether or not it ever texted: its conversation is found or
 * opened, then it is a reply like any other (same checks, same answer). A family without a number
 * that can receive texts is refused before a conversation is opened for nothing.
 */
export async function messageFamily(
  deps: Deps,
  who: StaffPrincipal,
  familyId: number,
  input: { body: string; urgent: boolean },
): Promise<ReplyResult & { conversationId: number }> {
  const { family } = await getFamily(deps, who, familyId);
  if (input.urgent) requireThat(may.sendUrgent(who), 'Only a school or district admin may send urgent messages');
  if (!(await textableNumbers(deps.db, family.id)).length) {
    throw new AppError(409, 'no_recipients', 'This family has no number that can receive texts');
  }
  const conversation = await getOrCreateConversation(deps.db, { schoolId: family.schoolId, familyId: family.id, unmatchedNumber: null }, isoNow(deps.clock));
  return { ...(await replyToConversation(deps, who, conversation.id, input)), conversationId: conversation.id };
}

export type InboxTab = 'mine' | 'office' | 'unmatched';

export interface InboxItem extends repo.ConversationSummary {
  id: number;
  familyId: number | null;
  unmatchedNumber: string | null;
  unreadCount: number;
  lastMessageAt: string | null;
}

/** The tabs a staff member has: a teacher never sees numbers no roster knows. */
export async function inboxTabs(ctx: Ctx, who: StaffPrincipal): Promise<InboxTab[]> {
  return (await visibilityFor(ctx.db, who)).unmatched ? ['mine', 'office', 'unmatched'] : ['mine', 'office'];
}

/** Family names, children, last message and time zone for a page of conversations (the API's list too). */
export async function summarize<T extends Pick<ConversationRow, 'id' | 'familyId' | 'schoolId'>>(ctx: Ctx, rows: T[]): Promise<(T & repo.ConversationSummary)[]> {
  const summaries = await repo.conversationSummaries(ctx.db, rows);
  return rows.map((r) => ({ ...r, ...summaries.get(r.id)! }));
}

/** One inbox tab, unread conversations first, each part newest first. */
export async function listInbox(ctx: Ctx, who: StaffPrincipal, tab: InboxTab, limit = 100): Promise<InboxItem[]> {
  const vis = await visibilityFor(ctx.db, who);
  if (tab === 'unmatched' && !vis.unmatched) return [];
  const filter: repo.ConversationFilter =
    tab === 'mine' ? { assignedStaffId: who.id } : tab === 'office' ? { assignedStaffId: null } : { unmatched: true };
  const unread = await repo.listConversations(ctx.db, vis, { ...filter, unread: true }, { limit });
  const read = unread.length >= limit ? [] : await repo.listConversations(ctx.db, vis, { ...filter, unread: false }, { limit: limit - unread.length });
  const rows = [...unread.slice(0, limit), ...read.slice(0, limit - Math.min(unread.length, limit))];
  return (await summarize(ctx, rows)).map((r) => ({
    id: r.id,
    familyId: r.familyId,
    unmatchedNumber: r.unmatchedNumber,
    unreadCount: r.unreadCount,
    lastMessageAt: r.lastMessageAt,
    familyName: r.familyName,
    children: r.children,
    timezone: r.timezone,
    last: r.last,
  }));
}

export interface ThreadMessage extends MessageRow {
  staffName: string | null;
}

export interface ConversationView {
  conversation: ConversationRow & repo.ConversationSummary;
  messages: ThreadMessage[];
  timezone: string;
}

/** A conversation as its page shows it: every message (oldest first) with who sent it. Reading it marks it read. */
export async function viewConversation(deps: Pick<Deps, 'db' | 'clock' | 'config'>, who: StaffPrincipal, id: number, limit = 1000): Promise<ConversationView> {
  const conversation = await getConversation(deps, who, id);
  const rows = await repo.readConversationMessages(deps.db, id, { limit });
  const names = await repo.staffNames(deps.db, rows.flatMap((m) => (m.staffId === null ? [] : [m.staffId])));
  const [summary] = await summarize(deps, [{ ...conversation, unreadCount: 0 }]);
  return {
    conversation: summary,
    messages: rows.slice(0, limit).map((m) => ({ ...m, staffName: m.staffId === null ? null : (names.get(m.staffId) ?? null) })),
    timezone: summary.timezone ?? deps.config.defaultTimezone,
  };
}

/** When a reply written now would leave (null: at once), by the quiet hours of the family's school. */
export async function replyTiming(deps: Pick<Deps, 'db' | 'clock' | 'config'>, who: StaffPrincipal, conversationId: number): Promise<{ sendsAt: number | null; timezone: string }> {
  const conversation = await getConversation(deps, who, conversationId);
  const timezone = await timezoneOf(deps, conversation);
  const now = deps.clock.now();
  const at = nextSendTime(now, timezone);
  return { sendsAt: at === now ? null : at, timezone };
}

/** Whether this staff member may see the conversation (live events are filtered by it). */
export async function canSeeConversation(ctx: Ctx, who: StaffPrincipal, id: number): Promise<boolean> {
  return (await repo.findConversation(ctx.db, id, await visibilityFor(ctx.db, who))) !== undefined;
}
