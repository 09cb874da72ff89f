import type { Deps } from '../deps';
import type { InboundSms } from '../channels/channel';
import { isoNow } from '../lib/clock';
import { maskPhone } from '../lib/phone';
import { storeInbound, type StoreInbound } from '../../db/repositories/inbound-store';
import { isOptedOut } from '../../db/repositories/opt-outs';
import { familiesByPhone, getSchool, schoolsForNumber, type FamilyRow, type SchoolRow } from '../../db/repositories/routing';
import { enqueueInbound } from '../queue/queues';
import { parseKeyword } from '../i18n/keywords';
import { segmentInfo } from '../i18n/segments';
import { isDefaultSender, senderFor } from './senders';
import { lastOutboundOfFamily } from '../../db/repositories/nudge-replies';
import { answeredNudge, tipDigit } from './nudge-replies';
import { publishLive } from './live';
import type { Keyword } from '../i18n/keywords';

export interface Route {
  school: SchoolRow | null;
  family: FamilyRow | null;
}

/**
 * Number → phone → family → conversation. A number one school sends from is that school's: the
 * sender's family there, else an unmatched conversation for its admins. A number no school sends
 * from, or one several share, says nothing about the school, so the sender does: their family
 * (at a school sharing the number if they have one; the one last texted, if several), else the
 * district's unmatched inbox (no school), which district admins see. Never a guessed school.
 */
export async function routeInbound(deps: Deps, sms: InboundSms): Promise<Route> {
  const [candidates, families] = await Promise.all([
    schoolsForNumber(deps.db, sms.to, isDefaultSender(sms.to, deps.config, Boolean(sms.messagingServiceSid))),
    familiesByPhone(deps.db, sms.from),
  ]);
  if (candidates.length === 1) return { school: candidates[0], family: families.find((f) => f.schoolId === candidates[0].id) ?? null };
  const family = families.find((f) => candidates.some((s) => s.id === f.schoolId)) ?? families[0];
  if (!family) return { school: null, family: null };
  return { school: candidates.find((s) => s.id === family.schoolId) ?? (await getSchool(deps.db, family.schoolId)) ?? null, family };
}

/**
 * Stores an inbound text (idempotent on its provider sid) with any opt-out change in one
 * transaction, then queues the follow-up work. Never drops a text. `receivedAt` is given when
 * the text is stored later than it arrived (see webhook-spool.ts).
 */
export async function receiveInbound(deps: Deps, sms: InboundSms, receivedAt?: string): Promise<{ messageId: number; created: boolean }> {
  const route = await routeInbound(deps, sms);
  const at = receivedAt ?? isoNow(deps.clock);
  // Kept under the sender this conversation's texts leave from (the deployment's for the district
  // inbox), so the opt-out blocks exactly what send policy would otherwise let through.
  const sender = senderFor(route.school, deps.config).key;
  const keyword = sms.optOutType ? { type: sms.optOutType.toLowerCase() } : parseKeyword(sms.body, route.family?.language);
  let optOut: StoreInbound['optOut'] = null;
  if (keyword?.type === 'stop') {
    optOut = { add: { phoneNumber: sms.from, sendingNumber: sender, keyword: sms.body.trim().slice(0, 40), source: 'keyword', at } };
  } else if (keyword?.type === 'start' && (await isOptedOut(deps.db, sms.from, [sender]))) {
    optOut = { remove: { phoneNumber: sms.from, sendingNumber: sender } };
  }
  const seg = segmentInfo(sms.body);
  const answered = answeredByFamilyLine(keyword, route, optOut) || (await isTipFeedback(deps, sms.body, route, at));
  const { message, created, optOutChanged } = await storeInbound(deps.db, {
    message: {
      direction: 'inbound',
      kind: 'reply',
      body: sms.body,
      encoding: seg.encoding,
      segments: seg.segments,
      fromNumber: sms.from,
      toNumber: sms.to,
      status: 'received',
      providerSid: sms.providerSid,
      createdAt: at,
      updatedAt: at,
    },
    conversation: {
      schoolId: route.school?.id ?? null,
      familyId: route.family?.id ?? null,
      unmatchedNumber: route.family ? null : sms.from,
    },
    countsAsUnread: !answered,
    optOut,
  });
  if (created) {
    deps.logger.info(
      { messageId: message.id, from: maskPhone(sms.from), conversationId: message.conversationId, matched: Boolean(route.family), optOutChanged },
      'inbound text stored',
    );
    publishLive(deps, { conversationId: message.conversationId, change: 'message' });
  }
  // Queued even for a retried webhook: the job id makes it once, and a lost enqueue gets a second chance.
  await enqueueInbound(deps.queues, { messageId: message.id, optOutChanged });
  return { messageId: message.id, created };
}

/**
 * A one-digit reply to a nudge ("Reply 1 if you tried it") is tip feedback (follow-up.ts records
 * it): kept in the thread, but nobody needs to answer it. Only a one-digit text costs the lookup.
 */
async function isTipFeedback(deps: Deps, body: string, route: Route, at: string): Promise<boolean> {
  if (!route.family || tipDigit(body) === null) return false;
  const last = await lastOutboundOfFamily(deps.db, { familyId: route.family.id, schoolId: route.family.schoolId });
  return answeredNudge(last, Date.parse(at)) !== null;
}

/**
 * A keyword FamilyLine acts on by itself (follow-up.ts answers or records it), so no person needs
 * to read it: STOP, HELP, LANG (IDIOMA, JĘZYK, لغة...), PAUSE and a language name from a known
 * family, START when it opts the number back in. A yes-like START word from a number that never opted out is an ordinary answer
 * ("SÍ" to a teacher's question) and stays unread, as do PAUSE or a language name from a number no
 * roster knows, which nothing answers.
 */
export function answeredByFamilyLine(keyword: { type: Keyword['type'] | string } | null, route: Route, optOut: StoreInbound['optOut']): boolean {
  switch (keyword?.type) {
    case 'stop':
    case 'help':
    case 'languages':
      return true;
    case 'start':
      return optOut !== null;
    case 'pause':
    case 'language':
      return route.family !== null;
    default:
      return false;
  }
}
