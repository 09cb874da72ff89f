import type { Deps } from '../deps';
import * as contacts from '../../db/repositories/contacts';
import { guardiansOfStudents } from '../../db/repositories/classes';
import { findSchool } from '../../db/repositories/schools';
import { senderFor } from '../messaging/senders';
import { getFamily, type FamilyView } from '../families/families';
import { getClass, type ClassDetail } from './roster';
import { listConversations, type ConversationRow } from './inbox';
import type { StaffPrincipal } from './scope';

/**
 * Classes and families as the console shows them: who each guardian is, whether and how they can
 * be texted. Visibility is getClass's and getFamily's (scope.ts); nothing here widens it.
 */

export interface ContactPhone {
  number: string;
  canReceive: boolean;
  optedOut: boolean;
}

export interface GuardianContact {
  id: number;
  familyId: number;
  familyName: string;
  firstName: string;
  lastName: string;
  relationship: string | null;
  /** The language texts to this family go out in. */
  language: string;
  mayContact: boolean;
  paused: boolean;
  phones: ContactPhone[];
}

export interface ClassRoster extends ClassDetail {
  guardiansOf: Record<number, GuardianContact[]>;
}

type Ctx = Pick<Deps, 'db' | 'clock' | 'config'>;

async function phonesWithOptOuts(ctx: Ctx, schoolId: number, guardianIds: number[]): Promise<Map<number, ContactPhone[]>> {
  const rows = await contacts.phonesOfGuardians(ctx.db, guardianIds);
  const sender = senderFor(await findSchool(ctx.db, schoolId), ctx.config).key;
  const optedOut = await contacts.optedOutNumbers(ctx.db, rows.map((r) => r.number), sender);
  const out = new Map<number, ContactPhone[]>();
  for (const r of rows) out.set(r.guardianId, [...(out.get(r.guardianId) ?? []), { number: r.number, canReceive: r.canReceive, optedOut: optedOut.has(r.number) }]);
  return out;
}

const isPaused = (pausedUntil: string | null, now: number) => pausedUntil !== null && Date.parse(pausedUntil) > now;

/** A class with, for each student, every active guardian (no-contact ones too, marked so staff know). */
export async function classRoster(ctx: Ctx, who: StaffPrincipal, classId: number): Promise<ClassRoster> {
  const detail = await getClass(ctx, who, classId);
  const links = await guardiansOfStudents(ctx.db, detail.students.map((s) => s.id));
  const families = new Map((await contacts.familiesByIds(ctx.db, links.map((l) => l.familyId))).map((f) => [f.id, f]));
  const phones = await phonesWithOptOuts(ctx, detail.schoolId, links.map((l) => l.id));
  const now = ctx.clock.now();
  const guardiansOf: Record<number, GuardianContact[]> = {};
  for (const l of links) {
    const family = families.get(l.familyId);
    (guardiansOf[l.studentId] ??= []).push({
      id: l.id,
      familyId: l.familyId,
      familyName: family?.displayName ?? '',
      firstName: l.firstName,
      lastName: l.lastName,
      relationship: l.relationship,
      language: family?.language ?? 'en',
      mayContact: l.mayContact,
      paused: isPaused(family?.pausedUntil ?? null, now),
      phones: phones.get(l.id) ?? [],
    });
  }
  return { ...detail, guardiansOf };
}

export interface FamilyPage extends FamilyView {
  paused: boolean;
  phonesOf: Record<number, ContactPhone[]>;
  /** Null until someone texts or writes to the family. */
  conversation: ConversationRow | null;
}

export async function familyPage(ctx: Ctx, who: StaffPrincipal, familyId: number): Promise<FamilyPage> {
  const view = await getFamily(ctx, who, familyId);
  const phones = await phonesWithOptOuts(ctx, view.family.schoolId, view.guardians.map((g) => g.id));
  const [conversation] = await listConversations(ctx, who, { familyId, schoolId: view.family.schoolId }, { limit: 1 });
  return {
    ...view,
    paused: isPaused(view.family.pausedUntil, ctx.clock.now()),
    phonesOf: Object.fromEntries(view.guardians.map((g) => [g.id, phones.get(g.id) ?? []])),
    conversation: conversation ?? null,
  };
}
