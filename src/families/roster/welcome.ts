import type { Deps } from '../../deps';
import { isoNow } from '../../lib/clock';
import { getOrCreateConversation } from '../../../db/repositories/messages';
import { childrenOf, familiesAwaitingWelcome, recordWelcome, setWelcomeMessage, welcomeDone } from '../../../db/repositories/roster';
import { getFamily, getSchool, textableNumbers } from '../../../db/repositories/routing';
import { t } from '../../i18n/i18n';
import { queueOutbound } from '../../messaging/outbound';

export type WelcomeDeps = Pick<Deps, 'db' | 'config' | 'clock' | 'queues'>;

/**
 * Enrolment is automatic (95% stay enrolled that way, 1% when they must opt in), so each new
 * family gets one welcome: who is texting, what and how often, how to answer, switch language or
 * stop. A number is welcomed once, ever: the welcome row is claimed before the text is queued.
 * Quiet hours apply like any other school text. Families are marked by the import that adds
 * them and unmarked once their welcome is queued, so a run that stopped short is finished by
 * the next one.
 */
export async function welcomeFamilies(deps: WelcomeDeps): Promise<number> {
  let queued = 0;
  const at = isoNow(deps.clock);
  for (const familyId of await familiesAwaitingWelcome(deps.db)) {
    const family = await getFamily(deps.db, familyId);
    const fresh: string[] = [];
    for (const phoneNumber of family?.active ? await textableNumbers(deps.db, familyId) : []) {
      if (await recordWelcome(deps.db, { phoneNumber, familyId, at })) fresh.push(phoneNumber);
    }
    if (!family || !fresh.length) {
      await welcomeDone(deps.db, familyId);
      continue;
    }
    const school = await getSchool(deps.db, family.schoolId);
    const children = new Intl.ListFormat(family.language, { type: 'conjunction' }).format(await childrenOf(deps.db, familyId));
    const conversation = await getOrCreateConversation(deps.db, { schoolId: family.schoolId, familyId, unmatchedNumber: null }, at);
    const rows = await queueOutbound(deps, {
      conversationId: conversation.id,
      recipients: fresh,
      body: t(family.language, 'system:welcome', { school: school?.name ?? 'Your school', children }),
      kind: 'system',
      language: family.language,
    });
    for (const row of rows) await setWelcomeMessage(deps.db, row.toNumber, row.id);
    await welcomeDone(deps.db, familyId);
    queued += rows.length;
  }
  return queued;
}
