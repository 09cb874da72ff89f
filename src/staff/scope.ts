import type { Db } from '../../db/client';
import { taughtSchoolIds, type Visibility } from '../../db/repositories/schools';
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

const NOTHING: Visibility = { schoolIds: [], taughtBy: null, unmatched: false };

/**
 * district_admin: everything. school_admin: their school, including numbers no roster knows.
 * teacher: the classes they teach (class_teachers), the active students enrolled in them, and
 * the families that may be contacted about those students — nothing else, not even the office
 * inbox of unknown numbers. The narrowing is an SQL subquery (db/repositories/schools.ts), so
 * every route that applies a Visibility follows it without code of its own.
 */
export async function visibilityFor(db: Db, who: StaffPrincipal): Promise<Visibility> {
  switch (who.role) {
    case 'district_admin':
      return { schoolIds: null, taughtBy: null, unmatched: true };
    case 'school_admin':
      return who.schoolId === null ? NOTHING : { schoolIds: [who.schoolId], taughtBy: null, unmatched: true };
    case 'teacher': {
      // A roster may give a teacher classes in a second school; they see those schools too.
      const taught = await taughtSchoolIds(db, who.id);
      const schoolIds = [...new Set([...(who.schoolId === null ? [] : [who.schoolId]), ...taught])];
      return { schoolIds, taughtBy: who.id, unmatched: false };
    }
  }
}

const isAdmin = (who: StaffPrincipal) => who.role === 'district_admin' || who.role === 'school_admin';

/** Actions beyond reading. Callers check visibility first, so a 403 never reveals a hidden row. */
export const may = {
  createSchool: (who: StaffPrincipal) => who.role === 'district_admin',
  editSchool: (who: StaffPrincipal, schoolId: number) =>
    who.role === 'district_admin' || (who.role === 'school_admin' && who.schoolId === schoolId),
  editFamilies: isAdmin,
  /**
   * Taking a "may prefer Spanish" suggestion is a teacher's call as much as the office's: it only
   * follows what the family's own replies show, and whoever reads those replies sees the flag.
   */
  takeLanguageSuggestion: (_who: StaffPrincipal) => true,
  /** Bulk reminders to a school's families: its own admins and the district's (src/reminders). */
  broadcast: (who: StaffPrincipal, schoolId: number) =>
    who.role === 'district_admin' || (who.role === 'school_admin' && who.schoolId === schoolId),
  /** Only an admin's closure or safety alert may leave outside quiet hours (DESIGN.md). */
  sendUrgent: isAdmin,
  /** Metrics count every school's messages, so they are the district's. */
  readMetrics: (who: StaffPrincipal) => who.role === 'district_admin',
};

/**
 * The schools a roster import acts in: one school, or (null) the whole district. Worked out once
 * from whoever starts the import and enforced by the sync in one place (db/repositories/roster-scope.ts):
 * nothing outside it is moved, edited or unenrolled, and no admin account is ever changed.
 */
export interface ImportScope {
  schoolId: number | null;
}

/**
 * A school admin imports into their own school only; a district admin into the school they
 * name, or without one into the district (where students may move between schools). The
 * caller checks first that the named school is visible, so a hidden one answers 404.
 */
export function importScopeOf(who: StaffPrincipal, schoolId: number | undefined): ImportScope {
  if (who.role === 'district_admin') return { schoolId: schoolId ?? null };
  requireThat(who.role === 'school_admin' && who.schoolId !== null, 'Only a school or district admin may import a roster');
  if (schoolId === undefined) throw AppError.validation({ schoolId: 'is required: a school admin imports into their own school' });
  requireThat(schoolId === who.schoolId, 'Only an admin of this school may import its roster');
  return { schoolId: who.schoolId };
}

/** The CLI runs with the database's own rights: the district, or with `--school ID` that school, as its admin would. */
export const cliImportScope = (schoolId: number | undefined): ImportScope => ({ schoolId: schoolId ?? null });

/** The CLI's reach for other commands (progress import): the district, or with `--school ID` that school, as its admin sees it. */
export const cliVisibility = (schoolId: number | undefined): Visibility => ({ schoolIds: schoolId === undefined ? null : [schoolId], taughtBy: null, unmatched: false });

/** A visibility narrowed to one school (?schoolId=): nothing more than it was, possibly nothing. */
export function withinSchool(vis: Visibility, schoolId: number | undefined): Visibility {
  if (schoolId === undefined) return vis;
  return { ...vis, schoolIds: vis.schoolIds === null || vis.schoolIds.includes(schoolId) ? [schoolId] : [] };
}

export function requireThat(allowed: boolean, message?: string): void {
  if (!allowed) throw AppError.forbidden(message);
}
