import type { Deps } from '../deps';
import { isoNow } from '../lib/clock';
import { getConversation, getMessage, lastStaffSender, setConversationAssignee } from '../../db/repositories/messages';
import { getFamily, getSchool, updateFamily, type FamilyRow } from '../../db/repositories/routing';
import { parseKeyword } from '../i18n/keywords';
import { t } from '../i18n/i18n';
import { queueOutbound } from './outbound';
import { publishLive } from './live';

const DAY = 86_400_000;
export const PAUSE_DAYS = 28;
export const ASSIGNMENT_WINDOW_DAYS = 7;

/**
 * The slow half of an inbound text: keyword answers, language switch, pause, and assignment to
 * the staff member who last texted the family within a week (else the office inbox).
 */
export async function followUpInbound(deps: Deps, job: { messageId: number; optOutChanged: boolean }): Promise<void> {
  const message = await getMessage(deps.db, job.messageId);
  if (!message || message.direction !== 'inbound') return;
  const conversation = await getConversation(deps.db, message.conversationId);
  if (!conversation) return;
  const family = conversation.familyId ? await getFamily(deps.db, conversation.familyId) : undefined;
  const school = conversation.schoolId ? await getSchool(deps.db, conversation.schoolId) : undefined;
  const now = deps.clock.now();

  const since = new Date(now - ASSIGNMENT_WINDOW_DAYS * DAY).toISOString();
  const assignee = await lastStaffSender(deps.db, conversation.id, since);
  if (assignee !== conversation.assignedStaffId) {
    await setConversationAssignee(deps.db, conversation.id, assignee);
    publishLive(deps, { conversationId: conversation.id, change: 'assigned' });
  }

  const keyword = parseKeyword(message.body, family?.language);
  if (!keyword) return;
  const providerAnswered = keyword.standard && deps.channel.answersStandardKeywords;
  let language = family?.language ?? keyword.language ?? school?.defaultLanguage ?? 'en';
  const vars = { school: school?.name ?? 'School' };
  let key: string | null = null;
  switch (keyword.type) {
    case 'stop':
      if (!providerAnswered) key = 'system:stop.confirm';
      break;
    case 'start':
      if (!providerAnswered && job.optOutChanged) key = 'system:start.confirm';
      break;
    case 'help':
      if (!providerAnswered) key = 'system:help';
      break;
    case 'pause':
      if (family) {
        await updateFamily(deps.db, family.id, { pausedUntil: new Date(now + PAUSE_DAYS * DAY).toISOString() }, isoNow(deps.clock));
        key = 'system:pause.confirm';
      }
      break;
    case 'language':
      if (family && keyword.language) {
        await switchLanguage(deps, family, keyword.language);
        language = keyword.language;
        key = 'system:language.confirm';
      }
      break;
  }
  if (!key) return;
  // A keyword's answer goes at once, even at night: the family just asked, and carriers want a STOP confirmed within minutes.
  await queueOutbound(deps, {
    conversationId: conversation.id,
    recipients: [message.fromNumber],
    body: t(language, key, vars),
    kind: 'system',
    urgent: true,
    confirmsOptOut: keyword.type === 'stop',
    language,
  });
}

async function switchLanguage(deps: Deps, family: FamilyRow, language: string): Promise<void> {
  await updateFamily(deps.db, family.id, { language, languageSource: 'text' }, isoNow(deps.clock));
}
