import { AppError } from '../errors';
import { isoNow } from '../lib/clock';
import { findSchool } from '../../db/repositories/schools';
import * as repo from '../../db/repositories/families';
import { may, requireThat, visibilityFor, type StaffPrincipal } from '../staff/scope';
import type { Ctx } from '../staff/schools';

export interface GuardianView {
  id: number;
  firstName: string;
  lastName: string;
  phone: string | null;
  relationship: string | null;
  language: string | null;
  canReceive: boolean;
}

export interface StudentView {
  id: number;
  firstName: string;
  lastName: string;
  grade: string;
}

export interface FamilyView {
  family: repo.FamilyRow;
  guardians: GuardianView[];
  students: StudentView[];
}

/** Already validated and normalised by the caller: phones in E.164, codes checked. */
export interface FamilyInput {
  schoolId: number;
  name: string;
  language?: string;
  guardians: { firstName: string; lastName: string; phone: string | null; relationship?: string | null; language?: string | null }[];
  students: { firstName: string; lastName: string; grade: string }[];
}

async function withMembers(ctx: Ctx, rows: repo.FamilyRow[]): Promise<FamilyView[]> {
  const members = await repo.listFamilyMembers(
    ctx.db,
    rows.map((f) => f.id),
  );
  return rows.map((family) => ({
    family,
    guardians: members.guardians.filter((g) => g.familyId === family.id).map(({ familyId: _f, ...g }) => g),
    students: members.students.filter((s) => s.familyId === family.id).map(({ familyId: _f, ...s }) => s),
  }));
}

/** Every guardian is linked to every student, all may be contacted; one transaction. */
export async function createFamily(ctx: Ctx, who: StaffPrincipal, input: FamilyInput): Promise<FamilyView> {
  requireThat(may.editFamilies(who), 'Only a school or district admin may add families');
  const school = await findSchool(ctx.db, input.schoolId, await visibilityFor(ctx.db, who));
  if (!school) throw AppError.notFound(`School ${input.schoolId}`);
  const id = await repo.insertFamilyWithMembers(
    ctx.db,
    {
      schoolId: school.id,
      displayName: input.name,
      language: input.language ?? school.defaultLanguage,
      guardians: input.guardians.map((g) => ({
        firstName: g.firstName,
        lastName: g.lastName,
        phone: g.phone,
        relationship: g.relationship ?? null,
        language: g.language ?? null,
      })),
      students: input.students,
    },
    isoNow(ctx.clock),
  );
  return getFamily(ctx, who, id);
}

export async function getFamily(ctx: Ctx, who: StaffPrincipal, id: number): Promise<FamilyView> {
  const family = await repo.findFamily(ctx.db, id, await visibilityFor(ctx.db, who));
  if (!family) throw AppError.notFound(`Family ${id}`);
  return (await withMembers(ctx, [family]))[0];
}

export async function listFamilies(
  ctx: Ctx,
  who: StaffPrincipal,
  page: { limit: number; afterId?: number; schoolId?: number },
): Promise<FamilyView[]> {
  const rows = await repo.listFamilies(ctx.db, await visibilityFor(ctx.db, who), page);
  return withMembers(ctx, rows);
}

/** Staff setting the language is a roster choice; the family's own choice by text is made elsewhere. */
export async function updateFamily(
  ctx: Ctx,
  who: StaffPrincipal,
  id: number,
  patch: { name?: string; language?: string; timezone?: string | null },
): Promise<FamilyView> {
  await getFamily(ctx, who, id);
  requireThat(may.editFamilies(who), 'Only a school or district admin may change families');
  if (patch.name !== undefined || patch.language !== undefined || patch.timezone !== undefined) {
    await repo.updateFamily(
      ctx.db,
      id,
      {
        displayName: patch.name,
        timezone: patch.timezone,
        // A language set by staff answers any "may prefer" suggestion.
        ...(patch.language !== undefined ? { language: patch.language, languageSource: 'roster', languageSuggestion: null } : {}),
      },
      isoNow(ctx.clock),
    );
  }
  return getFamily(ctx, who, id);
}

/**
 * Staff's one click on "may prefer Spanish": the family's texts go out in that language from now on.
 * `language` is the suggestion the page showed; if it is no longer the suggestion (someone clicked
 * first, or the family texted a language name) nothing changes and the caller is told (409).
 */
export async function takeLanguageSuggestion(ctx: Ctx, who: StaffPrincipal, id: number, language: string): Promise<FamilyView> {
  const view = await getFamily(ctx, who, id);
  requireThat(may.takeLanguageSuggestion(who), 'You may not change this family\'s language');
  if (view.family.language === language && view.family.languageSuggestion === null) return view;
  if (!(await repo.takeLanguageSuggestion(ctx.db, id, language, isoNow(ctx.clock)))) {
    throw new AppError(409, 'suggestion_changed', 'This suggestion has changed since the page was loaded. Reload the page to see the family\'s language now.');
  }
  return getFamily(ctx, who, id);
}

/** The language a family may prefer (null: none), for a page showing one of its conversations. */
export async function languageSuggestionOf(ctx: Ctx, who: StaffPrincipal, id: number): Promise<string | null> {
  return (await getFamily(ctx, who, id)).family.languageSuggestion;
}
