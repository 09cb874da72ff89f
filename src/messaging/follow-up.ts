import type { Deps } from '../deps';
import { isoNow } from '../lib/clock';
import { getConversation, getMessage, lastStaffSender, setConversationAssignee, type ConversationRow, type MessageRow } from '../../db/repositories/messages';
import { getFamily, getSchool, updateFamiliesOfNumber, updateFamily, type FamilyChoice, type FamilyRow } from '../../db/repositories/routing';
import { childrenWithTeachers, lastOutboundOfFamily, recentReplies, recordTipFeedback } from '../../db/repositories/nudge-replies';
import { parseKeyword } from '../i18n/keywords';
import { languageChoices, t } from '../i18n/i18n';
import { suggestedLanguage, tellsLanguage } from '../families/language-suggestion';
import { queueOutbound } from './outbound';
import { publishLive } from './live';
import { answeredNudge, nudgeReplyTeacher, tipDigit } from './nudge-replies';

const DAY = 86_400_000;
export const PAUSE_DAYS = 28;
export const ASSIGNMENT_WINDOW_DAYS = 7;

/** Enough of a family's latest texts to find three that tell their language among keywords and "ok"s. */
const REPLIES_TO_READ = 20;

/**
 * The slow half of an inbound text: keyword answers, language switch, pause, tip feedback, the
 * language suggestion, and assignment: a reply to a nudge goes to the teacher of the child it was
 * about; any other to the staff member who last texted the family within a week (else the office inbox).
 */
export async function followUpInbound(deps: Deps, job: { messageId: number; optOutChanged: boolean }): Promise<void> {
  const message = await getMessage(deps.db, job.messageId);
  if (!message || message.direction !== 'inbound') return;
  const conversation = await getConversation(deps.db, message.conversationId);
  if (!conversation) return;
  const family = conversation.familyId ? await getFamily(deps.db, conversation.familyId) : undefined;
  const school = conversation.schoolId ? await getSchool(deps.db, conversation.schoolId) : undefined;
  const now = deps.clock.now();

  // Measured from when the reply came, as receiveInbound did, so a job run late agrees with it.
  const nudge = family && school ? answeredNudge(await lastOutboundOfFamily(deps.db, { familyId: family.id, schoolId: school.id }, message.id), Date.parse(message.createdAt)) : null;
  await assign(deps, conversation, message, nudge && family ? { familyId: family.id, schoolId: family.schoolId } : null);

  const digit = tipDigit(message.body);
  if (nudge && family && digit !== null) {
    await recordTipFeedback(deps.db, { familyId: family.id, messageId: message.id, nudgeMessageId: nudge.id, digit, at: message.createdAt });
  }
  if (family && tellsLanguage(message.body)) await reviewLanguage(deps, family);

  const keyword = parseKeyword(message.body, family?.language);
  if (!keyword) return;
  const providerAnswered = keyword.standard && deps.channel.answersStandardKeywords;
  let language = family?.language ?? keyword.language ?? school?.defaultLanguage ?? 'en';
  const vars: Record<string, string> = { school: school?.name ?? 'School' };
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
    case 'languages':
      // Asked in a language's own word (IDIOMA, JĘZYK, لغة): answered in it, since whoever asks may not read the one on file.
      if (keyword.language && keyword.language !== 'en') language = keyword.language;
      vars.choices = languageChoices();
      key = 'system:languages.list';
      break;
    case 'pause':
      if (family) {
        await applyChoice(deps, message.fromNumber, family, { pausedUntil: new Date(now + PAUSE_DAYS * DAY).toISOString() });
        key = 'system:pause.confirm';
      }
      break;
    case 'language':
      if (family && keyword.language) {
        await applyChoice(deps, message.fromNumber, family, { language: keyword.language, languageSource: 'text', languageSuggestion: null });
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

/**
 * A reply to a nudge (`nudgeOf` set) goes to the teacher of the child it concerned; any other reply,
 * or one whose children have no teacher, to whoever last texted the family this week, else the office.
 */
async function assign(deps: Deps, conversation: ConversationRow, message: MessageRow, nudgeOf: { familyId: number; schoolId: number } | null): Promise<void> {
  let assignee: number | null = null;
  if (nudgeOf) assignee = nudgeReplyTeacher(await childrenWithTeachers(deps.db, nudgeOf.familyId, nudgeOf.schoolId), message.body);
  if (assignee === null) {
    const since = new Date(deps.clock.now() - ASSIGNMENT_WINDOW_DAYS * DAY).toISOString();
    assignee = await lastStaffSender(deps.db, conversation.id, since);
  }
  if (assignee !== conversation.assignedStaffId) {
    await setConversationAssignee(deps.db, conversation.id, assignee);
    publishLive(deps, { conversationId: conversation.id, change: 'assigned' });
  }
}

/** A language or PAUSE chosen by text holds for every family the number belongs to, in every school. */
async function applyChoice(deps: Deps, number: string, family: FamilyRow, choice: FamilyChoice): Promise<void> {
  const changed = await updateFamiliesOfNumber(deps.db, number, family.id, choice, isoNow(deps.clock));
  deps.logger.info({ familyIds: changed, choice: Object.keys(choice) }, 'family choice by text applied');
}

/** Flags (or clears) "may prefer …" from the family's latest replies. */
async function reviewLanguage(deps: Deps, family: FamilyRow): Promise<void> {
  const replies = await recentReplies(deps.db, { familyId: family.id, schoolId: family.schoolId }, REPLIES_TO_READ);
  const suggestion = await suggestedLanguage(family.language, replies.map((r) => r.body));
  if (suggestion === family.languageSuggestion) return;
  await updateFamily(deps.db, family.id, { languageSuggestion: suggestion }, isoNow(deps.clock));
  if (suggestion) deps.logger.info({ familyId: family.id, suggestion }, 'family may prefer another language');
}
