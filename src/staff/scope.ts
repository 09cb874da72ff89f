import type { Db } from '../../db/client';
import type { Visibility } from '../../db/repositories/schools';
import type { StaffRole } from '../../db/repositories/staff';
import { AppError } from '../errors';

/**
 * The one place that decides what a staff member may see and do. Routes and domain functions
 * ask here; repositories apply the resulting Visibility in SQL, so lists and single lookups
 * always agree, and anything outside it looks exactly like a missing id (404).
 */

export interface StaffPrincipal {
  id: number;
  email: string;
  name: string | null;
  role: StaffRole;
  schoolId: number | null;
}

const NOTHING: Visibility = { schoolIds: [], familyIds: [], unmatched: false };

/**
 * district_admin: everything. school_admin: their school, including numbers no roster knows.
 * teacher: their school's families for now. Issue 4 narrows teachers to the families of students
 * in their classes by filling familyIds here (a query through db/repositories) — nothing else
 * needs to change for that.
 */
export async function visibilityFor(_db: Db, who: StaffPrincipal): Promise<Visibility> {
  switch (who.role) {
    case 'district_admin':
      return { schoolIds: null, familyIds: null, unmatched: true };
    case 'school_admin':
      return who.schoolId === null ? NOTHING : { schoolIds: [who.schoolId], familyIds: null, unmatched: true };
    case 'teacher':
      // Unmatched numbers are the office's inbox (DESIGN.md), not a teacher's.
      return who.schoolId === null ? NOTHING : { schoolIds: [who.schoolId], familyIds: null, unmatched: false };
  }
}

/** The same rule as the SQL helpers, for a row already in hand. */
export function isVisible(vis: Visibility, row: { schoolId: number | null; familyId: number | null }): boolean {
  if (vis.schoolIds !== null && (row.schoolId === null || !vis.schoolIds.includes(row.schoolId))) return false;
  if (row.familyId === null) return vis.unmatched;
  return vis.familyIds === null || vis.familyIds.includes(row.familyId);
}

const isAdmin = (who: StaffPrincipal) => who.role === 'district_admin' || who.role === 'school_admin';

/** Actions beyond reading. Callers check visibility first, so a 403 never reveals a hidden row. */
export const may = {
  createSchool: (who: StaffPrincipal) => who.role === 'district_admin',
  editSchool: (who: StaffPrincipal, schoolId: number) =>
    who.role === 'district_admin' || (who.role === 'school_admin' && who.schoolId === schoolId),
  editFamilies: isAdmin,
  /** Only an admin's closure or safety alert may leave outside quiet hours (DESIGN.md). */
  sendUrgent: isAdmin,
};

export function requireThat(allowed: boolean, message?: string): void {
  if (!allowed) throw AppError.forbidden(message);
}
