import type { Deps } from '../deps';
import { AppError } from '../errors';
import { isoNow } from '../lib/clock';
import type { MessageKind } from '../../db/schema';
import { insertOutbound, updateMessage, type MessageRow } from '../../db/repositories/messages';
import { textableNumbers } from '../../db/repositories/routing';
import { enqueueSend } from '../queue/queues';
import { segmentInfo } from '../i18n/segments';
import { decideSend } from './policy';
import { audienceOf, sendContextFor, type ConversationAudience } from './send-context';
import { senderFor } from './senders';
import { publishLive } from './live';

export interface OutboundRequest {
  conversationId: number;
  recipients: string[];
  body: string;
  kind: MessageKind;
  staffId?: number | null;
  urgent?: boolean;
  confirmsOptOut?: boolean;
  language?: string | null;
  /** What staff wrote when `body` is its translation, kept beside it for staff to see. */
  original?: { body: string; language: string } | null;
}

export interface QueuedText {
  id: number;
  to: string;
  status: string;
  scheduledFor: string | null;
}

/**
 * Every outbound text is a message row first, then a send job keyed by its id. The policy is
 * checked now so the caller can say when it will leave, and again by the worker at send time.
 */
export async function queueOutbound(
  // Without redis and logger (a roster import in a process of its own) no live event goes out.
  deps: Pick<Deps, 'db' | 'config' | 'clock' | 'queues'> & Partial<Pick<Deps, 'redis' | 'logger'>>,
  req: OutboundRequest,
  /** The conversation's audience when the caller has just read it (one read fewer per text). */
  known?: ConversationAudience,
): Promise<MessageRow[]> {
  const audience = known ?? (await audienceOf(deps, req.conversationId));
  const conversation = audience.conversation;
  if (!conversation) throw AppError.notFound('Conversation');
  const sender = senderFor(audience.school, deps.config);
  const seg = segmentInfo(req.body);
  const at = isoNow(deps.clock);
  const rows = await insertOutbound(
    deps.db,
    conversation.id,
    req.recipients.map((to) => ({
      direction: 'outbound' as const,
      kind: req.kind,
      body: req.body,
      language: req.language ?? null,
      originalBody: req.original?.body ?? null,
      originalLanguage: req.original?.language ?? null,
      encoding: seg.encoding,
      segments: seg.segments,
      fromNumber: sender.from ?? sender.key,
      toNumber: to,
      status: 'queued' as const,
      staffId: req.staffId ?? null,
      urgent: req.urgent ?? false,
      confirmsOptOut: req.confirmsOptOut ?? false,
      createdAt: at,
      updatedAt: at,
    })),
  );
  const now = deps.clock.now();
  const result: MessageRow[] = [];
  if (deps.redis && deps.logger) publishLive({ redis: deps.redis, logger: deps.logger, config: deps.config }, { conversationId: conversation.id, change: 'message' });
  for (const row of rows) {
    const ctx = await sendContextFor(deps, row, audience);
    const decision = decideSend(row, ctx.policy, now);
    if (decision.action === 'block') {
      await updateMessage(deps.db, row.id, { status: 'blocked', updatedAt: at });
      result.push({ ...row, status: 'blocked' });
      continue;
    }
    if (decision.action === 'hold') {
      const scheduledFor = new Date(decision.untilMs).toISOString();
      await updateMessage(deps.db, row.id, { status: 'held', scheduledFor, updatedAt: at });
      await enqueueSend(deps.queues, row.id, decision.untilMs - now);
      result.push({ ...row, status: 'held', scheduledFor });
      continue;
    }
    await enqueueSend(deps.queues, row.id);
    result.push(row);
  }
  return result;
}

/** A staff member's text to every textable number of a conversation's family (or its unknown number). */
export async function sendStaffReply(
  deps: Deps,
  input: { conversationId: number; staffId: number; body: string; urgent?: boolean },
): Promise<{ messages: QueuedText[] }> {
  const audience = await audienceOf(deps, input.conversationId);
  const { conversation, family } = audience;
  if (!conversation) throw AppError.notFound('Conversation');
  const recipients = family ? await textableNumbers(deps.db, family.id) : conversation.unmatchedNumber ? [conversation.unmatchedNumber] : [];
  if (!recipients.length) {
    throw new AppError(409, 'no_recipients', 'This family has no number that can receive texts');
  }
  const rows = await queueOutbound(deps, {
    conversationId: conversation.id,
    recipients,
    body: input.body,
    kind: 'reply',
    staffId: input.staffId,
    urgent: input.urgent,
    language: family?.language ?? null,
  }, audience);
  return { messages: rows.map((r) => ({ id: r.id, to: r.toNumber, status: r.status, scheduledFor: r.scheduledFor })) };
}
