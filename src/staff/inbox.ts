import type { Deps } from '../deps';
import { AppError } from '../errors';
import * as repo from '../../db/repositories/conversation-reads';
import { sendStaffReply } from '../messaging/outbound';
import { may, requireThat, visibilityFor, type StaffPrincipal } from './scope';
import type { Ctx } from './schools';

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

/** One outbound message per textable number; the messaging module decides when each may leave. */
export async function replyToConversation(
  deps: Deps,
  who: StaffPrincipal,
  conversationId: number,
  input: { body: string; urgent: boolean },
): Promise<ReplyResult> {
  await getConversation(deps, who, conversationId);
  if (input.urgent) requireThat(may.sendUrgent(who), 'Only a school or district admin may send urgent messages');
  // A family with no textable number is refused there (409 no_recipients), so there is always a first message.
  const { messages } = await sendStaffReply(deps, { conversationId, staffId: who.id, body: input.body, urgent: input.urgent });
  const first = messages[0];
  return {
    id: first.id,
    status: first.status,
    scheduledFor: first.scheduledFor,
    recipients: messages.map((m) => ({ id: m.id, to: m.to, status: m.status })),
  };
}
