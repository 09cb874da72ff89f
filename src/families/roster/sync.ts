import type { Tx } from '../../../db/client';
import * as repo from '../../../db/repositories/roster';
import { keepInsideScope } from '../../../db/repositories/roster-scope';
import * as staged from '../../../db/repositories/roster-sync';
import { AppError } from '../../errors';
import type { ImportScope } from '../../staff/scope';
import type { RosterCompleteness, RowError } from './model';
import { emptyReport, type ImportReport, type Rejections } from './report';
import { byKey, deactivateMissing, planUpsert, writePlan } from './upsert';
import { syncHouseholds } from './sync-households';

export interface SyncOptions {
  /** The schools the import acts in. With one school, the file is that school's (it may hold only one). */
  scope: ImportScope;
  /** For schools the import creates. */
  timezone: string;
  from: string | null;
  now: string;
  /** Mark the families this import adds for a welcome text. */
  welcome: boolean;
  /** Called between steps; throws to stop the sync (the import's time limit), rolling it all back. */
  checkpoint?: () => void;
}

export interface SyncResult {
  report: ImportReport;
  /** Families this import created: they get a welcome text. */
  newFamilyIds: number[];
}

/** What the sync needs of a staged roster; the stage itself is readable inside `tx` (see db/repositories/roster-transaction.ts). */
export interface SyncInput {
  format: ImportReport['format'];
  /** The parser's rejected rows; the sync adds its own. */
  errors: Rejections;
  complete: RosterCompleteness;
}

/**
 * Writes a staged roster: a sync, not an append. Runs inside the import's one transaction with
 * the stage readable in it (see db/repositories/roster-transaction.ts).
 */
export async function syncRoster(tx: Tx, input: SyncInput, opts: SyncOptions, dryRun: boolean): Promise<SyncResult> {
  const report = emptyReport(input.format, dryRun);
  const reject = (e: RowError) => input.errors.push(e);
  const step = opts.checkpoint ?? (() => undefined);
  const schoolIdByExt = await syncSchools(tx, input, opts, report);
  const schoolIds = [...new Set(schoolIdByExt.values())];
  (await keepInsideScope(tx, opts.scope.schoolId)).forEach(reject);

  step();
  const knownLookedUp = opts.scope.schoolId === null && !input.complete.schools;
  (await staged.outsideSchools(tx, staged.STUDENT_MAPPING, knownLookedUp)).forEach(reject);
  report.students = await staged.syncEntity(tx, staged.STUDENT_MAPPING, opts.now, input.complete.students);
  step();
  await syncTeachers(tx, input.complete, opts, schoolIdByExt, schoolIds, report);
  step();
  (await staged.outsideSchools(tx, staged.CLASS_MAPPING, knownLookedUp)).forEach(reject);
  report.classes = await staged.syncEntity(tx, staged.CLASS_MAPPING, opts.now, input.complete.classes);
  step();
  const enrolled = await staged.syncEnrollments(tx, input.complete);
  enrolled.errors.forEach(reject);
  Object.assign(report.enrollments, enrolled.students);
  Object.assign(report.classTeachers, enrolled.teachers);

  step();
  const newFamilyIds = await syncHouseholds(tx, input.complete, opts, schoolIds, report, reject);
  step();
  Object.assign(report, input.errors.summary());
  return { report, newFamilyIds };
}

async function syncSchools(tx: Tx, input: SyncInput, opts: SyncOptions, report: ImportReport): Promise<Map<string, number>> {
  const existing = await repo.allSchools(tx);
  const inFile = await staged.stagedSchools(tx);
  if (opts.scope.schoolId !== null) {
    const school = existing.find((s) => s.id === opts.scope.schoolId);
    if (!school) throw AppError.notFound(`School ${opts.scope.schoolId}`);
    if (inFile.length > 1) {
      throw AppError.validation({ school: `the file holds ${inFile.length} schools` }, `--school was given but the file holds ${inFile.length} schools`);
    }
    report.schools.unchanged++;
    return staged.mapSchools(tx, new Map(inFile.map((s) => [s.ext, school.id])), { lookUpKnown: false, everyReference: school.id });
  }
  const plan = planUpsert(
    byKey(existing, (s) => s.externalId),
    inFile.map((s) => ({ key: s.ext, values: { externalId: s.ext, name: s.name } })),
    report.schools,
  );
  const stamps = { createdAt: opts.now, updatedAt: opts.now };
  const ids = await writePlan(tx, repo.rosterTables.schools, plan, stamps, { timezone: opts.timezone, fromNumber: opts.from });
  return staged.mapSchools(tx, ids, { lookUpKnown: !input.complete.schools });
}

/**
 * Teachers become staff accounts, matched by email; a few per hundred students, so planned in
 * memory. Admins' accounts and other schools' teachers never reach here (keepInsideScope), and
 * a role is never changed: accounts are created as teachers and stay what they are.
 */
async function syncTeachers(
  tx: Tx,
  complete: RosterCompleteness,
  opts: SyncOptions,
  schoolIdByExt: Map<string, number>,
  schoolIds: number[],
  report: ImportReport,
): Promise<void> {
  const existing = await repo.allStaff(tx);
  const byEmail = byKey(existing, (s) => s.email);
  const incoming = (await staged.stagedTeachers(tx)).map((t) => {
    const email = t.email;
    const current = byEmail.get(email);
    const schools = JSON.parse(t.schools) as string[];
    const schoolId = current?.schoolId ?? opts.scope.schoolId ?? schools.map((x) => schoolIdByExt.get(x)).find((x) => x !== undefined) ?? null;
    return { key: email, values: { email, name: `${t.first_name} ${t.last_name}`.trim(), externalId: t.ext, schoolId, active: t.active } };
  });
  const plan = planUpsert(byEmail, incoming, report.teachers);
  await writePlan(tx, repo.rosterTables.staff, plan, { createdAt: opts.now }, { role: 'teacher' });
  if (complete.teachers) {
    const inFile = new Set(incoming.filter((i) => plan.ids.has(i.key)).map((i) => i.values.externalId));
    const missing = (s: repo.StaffRow) =>
      s.role === 'teacher' && s.externalId !== null && s.schoolId !== null && schoolIds.includes(s.schoolId) && !inFile.has(s.externalId);
    await deactivateMissing(tx, repo.rosterTables.staff, existing, missing, {}, report.teachers);
  }
}
