import type { Deps } from '../deps';
import { getConversation, type MessageRow } from '../../db/repositories/messages';
import { isOptedOut } from '../../db/repositories/opt-outs';
import { getFamily, getSchool, type SchoolRow } from '../../db/repositories/routing';
import type { PolicyContext } from './policy';
import { senderFor, type Sender } from './senders';

export interface SendContext {
  school: SchoolRow | undefined;
  sender: Sender;
  policy: PolicyContext;
}

/** Everything the send policy needs about one outbound message, read fresh from the database. */
export async function loadSendContext(deps: Pick<Deps, 'db' | 'config'>, message: MessageRow): Promise<SendContext> {
  const conversation = await getConversation(deps.db, message.conversationId);
  const school = conversation?.schoolId ? await getSchool(deps.db, conversation.schoolId) : undefined;
  const family = conversation?.familyId ? await getFamily(deps.db, conversation.familyId) : undefined;
  const sender = senderFor(school, deps.config);
  return {
    school,
    sender,
    policy: {
      optedOut: await isOptedOut(deps.db, message.toNumber, [sender.key]),
      timezone: school?.timezone ?? deps.config.defaultTimezone,
      pausedUntilMs: family?.pausedUntil ? Date.parse(family.pausedUntil) : null,
    },
  };
}
