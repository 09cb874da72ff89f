import type { Deps } from '../deps';
import { AppError } from '../errors';
import { isoNow } from '../lib/clock';
import { DEFAULT_NUDGE_SLOT, type NudgeSlotId } from '../nudges/slots';
import * as repo from '../../db/repositories/schools';
import { may, requireThat, visibilityFor, type StaffPrincipal } from './scope';

export type Ctx = Pick<Deps, 'db' | 'clock'>;
export type SchoolRow = repo.SchoolRow;

export interface SchoolInput {
  name: string;
  timezone: string;
  fromNumber?: string | null;
  messagingServiceSid?: string | null;
  defaultLanguage?: string;
  mps?: number;
  phoneRegion?: string;
  /** When weekend nudges go out (src/nudges/slots.ts); default Saturday 09:30. */
  nudgeSlot?: NudgeSlotId;
}

export async function createSchool(ctx: Ctx, who: StaffPrincipal, input: SchoolInput): Promise<SchoolRow> {
  requireThat(may.createSchool(who), 'Only a district admin may create schools');
  return repo.insertSchool(
    ctx.db,
    {
      name: input.name,
      timezone: input.timezone,
      fromNumber: input.fromNumber ?? null,
      messagingServiceSid: input.messagingServiceSid ?? null,
      defaultLanguage: input.defaultLanguage ?? 'en',
      mps: input.mps ?? 1,
      phoneRegion: input.phoneRegion ?? 'US',
      nudgeSlot: input.nudgeSlot ?? DEFAULT_NUDGE_SLOT,
    },
    isoNow(ctx.clock),
  );
}

export async function getSchool(ctx: Ctx, who: StaffPrincipal, id: number): Promise<SchoolRow> {
  const school = await repo.findSchool(ctx.db, id, await visibilityFor(ctx.db, who));
  if (!school) throw AppError.notFound(`School ${id}`);
  return school;
}

export async function listSchools(ctx: Ctx, who: StaffPrincipal, page: { limit: number; afterId?: number }): Promise<SchoolRow[]> {
  return repo.listSchools(ctx.db, await visibilityFor(ctx.db, who), page);
}

/** Partial update; `fromNumber: null` returns the school to the deployment's TWILIO_FROM. */
export async function updateSchool(ctx: Ctx, who: StaffPrincipal, id: number, patch: Partial<SchoolInput>): Promise<SchoolRow> {
  const school = await getSchool(ctx, who, id);
  requireThat(may.editSchool(who, school.id), 'Only an admin of this school may change it');
  if (Object.keys(patch).length === 0) return school;
  const updated = await repo.updateSchool(ctx.db, id, patch, isoNow(ctx.clock));
  if (!updated) throw AppError.notFound(`School ${id}`);
  return updated;
}

/** A school whose settings the caller may change: hidden ones are 404, visible but not theirs to edit 403. */
export async function schoolForSettings(ctx: Ctx, who: StaffPrincipal, id: number): Promise<SchoolRow> {
  const school = await getSchool(ctx, who, id);
  requireThat(may.editSchool(who, school.id), 'Only an admin of this school may change its settings');
  return school;
}

/** The schools whose settings the caller may change (a teacher: none, 403). */
export async function schoolsForSettings(ctx: Ctx, who: StaffPrincipal): Promise<SchoolRow[]> {
  requireThat(who.role !== 'teacher', 'Only a school or district admin may change school settings');
  return (await listSchools(ctx, who, { limit: 500 })).filter((s) => may.editSchool(who, s.id));
}
