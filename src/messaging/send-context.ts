import type { Deps } from '../deps';
import type { ConversationRow, MessageRow } from '../../db/repositories/messages';
import { isOptedOut } from '../../db/repositories/opt-outs';
import { conversationWithAudience, messageWithAudience, type FamilyRow, type SchoolRow } from '../../db/repositories/routing';
import type { PolicyContext } from './policy';
import { senderFor, type Sender } from './senders';

export interface SendContext {
  school: SchoolRow | undefined;
  sender: Sender;
  policy: PolicyContext;
}

export interface Audience {
  school: SchoolRow | undefined;
  family: FamilyRow | undefined;
}

export type ConversationAudience = Audience & { conversation: ConversationRow | undefined };

/** The school and family a conversation's texts go out for. */
export async function audienceOf(deps: Pick<Deps, 'db'>, conversationId: number): Promise<ConversationAudience> {
  const found = await conversationWithAudience(deps.db, conversationId);
  return { conversation: found?.conversation, school: found?.school ?? undefined, family: found?.family ?? undefined };
}

/** Everything the send policy needs about one outbound message, given its school and family. */
export async function sendContextFor(deps: Pick<Deps, 'db' | 'config'>, message: MessageRow, { school, family }: Audience): Promise<SendContext> {
  const sender = senderFor(school, deps.config);
  return {
    school,
    sender,
    policy: {
      optedOut: await isOptedOut(deps.db, message.toNumber, [sender.key]),
      // Quiet hours follow the family's own zone when it has one (a family away from the school's).
      timezone: family?.timezone ?? school?.timezone ?? deps.config.defaultTimezone,
      pausedUntilMs: family?.pausedUntil ? Date.parse(family.pausedUntil) : null,
    },
  };
}

/** A message and the context of its send, read fresh from the database in one query: what the worker uses at send time. */
export async function loadSendContext(deps: Pick<Deps, 'db' | 'config'>, messageId: number): Promise<{ message: MessageRow; ctx: SendContext } | undefined> {
  const found = await messageWithAudience(deps.db, messageId);
  if (!found) return undefined;
  return { message: found.message, ctx: await sendContextFor(deps, found.message, { school: found.school ?? undefined, family: found.family ?? undefined }) };
}
