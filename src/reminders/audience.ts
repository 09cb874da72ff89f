import type { SkipReason } from '../../db/schema';
import type { ContactLink } from '../../db/repositories/update-audience';
import { workOutAudience } from '../updates/audience';

/**
 * Who of one page of families gets a broadcast, on which numbers, and why the others do not.
 * The per-guardian rules are the teacher updates' (src/updates/audience.ts: one text per family
 * and number, a no-contact order about any child named keeps that guardian out), reused here;
 * this adds what a bulk reminder skips besides: paused families and the weekly budget.
 */

export interface PageFamily {
  id: number;
  language: string;
  pausedUntil: string | null;
  timezone: string | null;
}

export interface PageInput {
  families: PageFamily[];
  links: ContactLink[];
  phones: { guardianId: number; number: string; canReceive: boolean }[];
  optedOut: Set<string>;
  urgent: boolean;
  nowMs: number;
  /** True when one more automated text to the number fits its week (urgent texts skip the budget). */
  budgetAllows: (number: string) => boolean;
}

export interface AudienceRow {
  familyId: number;
  language: string;
  timezone: string | null;
  studentIds: number[];
  phone: string | null;
  reason: SkipReason | null;
}

/** One row per family and number (or per family, phone null, when none can be texted), in family order. */
export function pageRecipients(input: PageInput): AudienceRow[] {
  const { families: worked } = workOutAudience({
    studentIds: input.links.map((l) => l.studentId),
    firstNames: new Map(),
    links: input.links,
    phones: input.phones,
    optedOut: input.optedOut,
  });
  const byFamily = new Map(worked.map((f) => [f.familyId, f]));
  const rows: AudienceRow[] = [];
  for (const family of input.families) {
    const base = { familyId: family.id, language: family.language, timezone: family.timezone };
    const f = byFamily.get(family.id);
    if (!f) {
      // Listed for its students, but every guardian is under a no-contact order for them.
      const ids = [...new Set(input.links.filter((l) => l.familyId === family.id).map((l) => l.studentId))];
      rows.push({ ...base, studentIds: ids, phone: null, reason: 'may_not_contact' });
      continue;
    }
    const studentIds = f.studentIds;
    const taken = new Set(f.recipients.map((r) => r.phone));
    const optedOut = [...new Set(f.skipped.filter((s) => s.reason === 'opted_out' && s.phone && !taken.has(s.phone)).map((s) => s.phone!))];
    for (const phone of optedOut) rows.push({ ...base, studentIds, phone, reason: 'opted_out' });
    if (!f.recipients.length && !optedOut.length) {
      const reason = f.skipped.some((s) => s.reason === 'no_number') ? 'no_number' : 'may_not_contact';
      rows.push({ ...base, studentIds, phone: null, reason });
      continue;
    }
    const paused = !input.urgent && family.pausedUntil !== null && Date.parse(family.pausedUntil) > input.nowMs;
    for (const { phone } of f.recipients) {
      const reason: SkipReason | null = paused ? 'paused' : !input.urgent && !input.budgetAllows(phone) ? 'budget' : null;
      rows.push({ ...base, studentIds, phone, reason });
    }
  }
  return rows;
}
