import { DateTime } from 'luxon';
import type { Deps } from '../deps';
import { audienceFamilies } from '../../db/repositories/broadcast-audience';
import type { SkipReason } from '../../db/schema';
import { segmentInfo } from '../i18n/segments';
import { getLanguage } from '../i18n/languages';
import { nextSendTime } from '../messaging/quiet-hours';
import { senderFor } from '../messaging/senders';
import type { StaffPrincipal } from '../staff/scope';
import { broadcastSchool, checkTiming, resolveAudience } from './broadcasts';
import { budgetFor, FANOUT_PAGE, filterOf, textFor, workOutPage } from './fan-out';
import type { BroadcastInput, BroadcastPreview, LanguagePreview } from './model';
import { withTexts } from './reminder-texts';
import { dueAt } from './schedule';

/** Skipped recipients listed by name in a preview; beyond this only the counts by reason. */
const LISTED_SKIPS = 1000;

const languageName = (code: string) => getLanguage(code)?.english ?? code;

/**
 * What a broadcast would do if sent now, without storing anything: the same page-by-page rules
 * the fan-out applies (fan-out.ts), counted. Cost is segments × recipients, per language.
 */
export async function previewBroadcast(deps: Deps, who: StaffPrincipal, input: BroadcastInput): Promise<BroadcastPreview> {
  const school = await broadcastSchool(deps, who, input);
  const req = await withTexts(deps, school, { ...input, audience: await resolveAudience(deps, school.id, input.audience) });
  const nowMs = deps.clock.now();
  checkTiming(req, nowMs);
  const sender = senderFor(school, deps.config);
  const budget = budgetFor(deps, school, req.urgent, nowMs);
  const perLanguage = new Map<string, { recipients: number; families: Set<number> }>();
  const skipped: BroadcastPreview['skipped'] = [];
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  const families = new Set<number>();
  let recipients = 0;
  for (let cursor = 0; ; ) {
    const page = await audienceFamilies(deps.db, school.id, filterOf(req.audience), cursor, FANOUT_PAGE);
    if (!page.length) break;
    cursor = page[page.length - 1].id;
    for (const r of await workOutPage(deps, req, school, sender, page, budget, nowMs)) {
      families.add(r.familyId);
      if (r.reason) {
        skippedByReason[r.reason] = (skippedByReason[r.reason] ?? 0) + 1;
        if (skipped.length < LISTED_SKIPS) skipped.push({ familyId: r.familyId, phone: r.phone, reason: r.reason });
        continue;
      }
      recipients++;
      const l = perLanguage.get(r.language) ?? { recipients: 0, families: new Set<number>() };
      l.recipients++;
      l.families.add(r.familyId);
      perLanguage.set(r.language, l);
    }
    if (page.length < FANOUT_PAGE) break;
  }
  const languages: LanguagePreview[] = [...perLanguage].sort((a, b) => b[1].recipients - a[1].recipients).map(([language, l]) => {
    const text = textFor(req.texts, language);
    const seg = segmentInfo(text.body);
    return { language, recipients: l.recipients, families: l.families.size, textLanguage: text.language, text: text.body, encoding: seg.encoding, segments: seg.segments, cost: seg.segments * l.recipients };
  });
  const fallbacks = languages
    .filter((l) => l.textLanguage !== l.language)
    .map((l) => ({
      language: l.language,
      families: l.families,
      warning: `${l.families} ${l.families === 1 ? 'family reads' : 'families read'} ${languageName(l.language)}, which has no text here: they will get the English text.`,
    }));
  const sendsAtMs = req.localTime ? null : dueAt({ sendAt: req.sendAt, localTime: null, createdAtMs: nowMs }, { school: school.timezone, family: null }, nowMs);
  const warnings = fallbacks.map((f) => f.warning);
  const quietFrom = (ms: number) => nextSendTime(ms, school.timezone);
  if (!req.urgent && sendsAtMs !== null && quietFrom(sendsAtMs) > sendsAtMs) {
    warnings.push(`That is inside quiet hours at the school (20:00–08:00): families get it from ${DateTime.fromMillis(quietFrom(sendsAtMs), { zone: school.timezone }).toFormat('ccc d LLL HH:mm')}.`);
  }
  if (!req.urgent && req.localTime && (Number(req.localTime.slice(0, 2)) < 8 || Number(req.localTime.slice(0, 2)) >= 20)) {
    warnings.push(`${req.localTime} is inside quiet hours (20:00–08:00): each family gets it at 08:00 its time.`);
  }
  return {
    schoolId: school.id,
    families: families.size,
    recipients,
    languages,
    cost: languages.reduce((n, l) => n + l.cost, 0),
    fallbacks,
    skipped,
    skippedByReason,
    sendsAt: sendsAtMs === null ? null : new Date(sendsAtMs).toISOString(),
    warnings,
  };
}
