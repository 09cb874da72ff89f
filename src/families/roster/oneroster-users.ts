/**
 * OneRoster users.csv → students, teachers, guardians and the links between guardians and
 * students. Links are declared on either side (a guardian's agentSourcedIds list their
 * children, a student's list their guardians); both are read and merged, because SIS exports
 * differ in which side they fill.
 */
import type { CsvRow } from './csv';
import { isActiveStatus, languageCell, mayContactCell, rosterGrade, splitList, yesNo } from './fields';
import type { RosterStage } from '../../../db/repositories/roster-stage';
import type { RejectKind, Rejections } from './report';

export const GUARDIAN_ROLES = new Set(['parent', 'guardian', 'relative']);

export interface UsersContext {
  file: string;
  errors: Rejections;
  /** The schools among a user's orgSourcedIds, in order. */
  schoolsOf(orgIds: string[]): string[];
  /** users.csv is bulk: a reference to a user not in it is an error, not a user we may already know. */
  complete: boolean;
}

/**
 * Writes users.csv into the stage: every user id with its role (enrollments are checked
 * against it), students (grade '' when it must come from a class), teachers, guardians, and
 * the links both sides declare, resolved once the whole file is read.
 */
export async function readUsers(rows: AsyncIterable<CsvRow>, stage: RosterStage, ctx: UsersContext): Promise<void> {
  const reject = (row: CsvRow, id: string, kind: RejectKind, reason: string) => {
    ctx.errors.push({ file: ctx.file, line: row.line, kind, reason });
    if (id) stage.rejectUser(id);
  };

  for await (const row of rows) {
    const id = row.get('sourcedId');
    const role = row.get('role').toLowerCase();
    if (!id) { reject(row, '', 'missing', 'no sourcedId; the row is skipped'); continue; }
    const first = stage.claimUser(id, role, row.line);
    if (first !== null) { reject(row, '', 'duplicate', `sourcedId ${id} is already used on line ${first}; this row is skipped`); continue; }
    const src = { file: ctx.file, line: row.line };
    const active = isActiveStatus(row.get('status')) && yesNo(row.get('enabledUser'), true) !== false;
    const firstName = row.get('givenName');
    const lastName = row.get('familyName');
    const agents = splitList(row.get('agentSourcedIds'));
    const orgs = splitList(row.get('orgSourcedIds'));

    if (role === 'student') {
      const school = ctx.schoolsOf(orgs)[0];
      if (!school) { reject(row, id, 'unknown_reference', `student ${id} belongs to no school listed in orgs.csv (orgSourcedIds "${orgs.join(',')}"); skipped`); continue; }
      const grade = splitList(row.get('grades')).map(rosterGrade).find((g) => g !== null) ?? '';
      stage.addStudent({ externalId: id, schoolExternalId: school, firstName, lastName, grade, active, src });
      for (const g of agents) stage.declareLink(id, g, row.line, false);
    } else if (role === 'teacher') {
      const email = row.get('email').toLowerCase();
      if (!email) { reject(row, id, 'missing', `teacher ${id} (${firstName} ${lastName}) has no email, cannot sign in; skipped`); continue; }
      stage.addTeacher({ externalId: id, email, firstName, lastName, schoolExternalIds: ctx.schoolsOf(orgs), active, src });
    } else if (GUARDIAN_ROLES.has(role)) {
      const lang = languageCell(row.get('metadata.language') || row.get('metadata.preferredLanguage'));
      if (lang.problem) reject(row, '', 'unreadable_value', `${role} ${id}: ${lang.problem}`);
      const flag = mayContactCell(row.get('metadata.mayContact') || row.get('metadata.may_contact'));
      if (flag.problem) reject(row, '', 'unreadable_value', `${role} ${id}: ${flag.problem}`);
      stage.addGuardian(
        {
          externalId: id, firstName, lastName,
          phone: row.get('sms') || row.get('phone') || null,
          language: lang.language,
          household: row.get('metadata.household') || null,
          relationship: role, active, src,
        },
        flag.mayContact,
      );
      for (const s of agents) stage.declareLink(s, id, row.line, true);
    }
    // Other roles (aide, administrator, counselor…) are not imported: see oneroster.ts.
  }
  ctx.errors.push(...stage.resolveDeclaredLinks(ctx.file, ctx.complete, GUARDIAN_ROLES));
}
