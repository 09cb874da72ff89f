/** A roster's records in memory, for tests: read from a file's stage, or written into a new one. */
import { RosterStage } from '../../db/repositories/roster-stage';
import { loadConfig, type RosterLimits } from '../../src/config';
import type { Clock } from '../../src/lib/clock';
import { ImportMeter } from '../../src/families/roster/limits';
import type { RosterSnapshot, StagedRoster } from '../../src/families/roster/model';
import { readRoster, type ReadRosterOptions } from '../../src/families/roster/read';
import { Rejections } from '../../src/families/roster/report';
import { TestClock } from './clock';

/** An import's limits: the defaults of config.ts, with the given ones changed. Time stands still unless the clock is moved. */
export function testMeter(limits: Partial<RosterLimits> = {}, clock: Clock = new TestClock()): ImportMeter {
  return new ImportMeter({ ...loadConfig({}).rosterLimits, ...limits }, clock);
}

/** Reads a roster file as the import does, and returns everything its stage holds. */
export async function readSnapshot(path: string, opts: Partial<ReadRosterOptions> = {}): Promise<RosterSnapshot> {
  const staged = await readRoster(path, { meter: testMeter(), ...opts });
  try {
    return { format: staged.format, errors: staged.errors.rows(), complete: staged.complete, ...staged.stage.records() };
  } finally {
    staged.stage.dispose();
  }
}

/** A stage holding exactly the given records, as a parser would have written them. */
export function stageSnapshot(snap: RosterSnapshot): StagedRoster {
  const stage = new RosterStage();
  for (const s of snap.schools) stage.addSchool(s);
  for (const s of snap.students) stage.addStudent(s);
  const noContact = new Set(snap.links.filter((l) => !l.mayContact).map((l) => l.guardianExternalId));
  for (const g of snap.guardians) stage.addGuardian(g, !noContact.has(g.externalId));
  for (const l of snap.links) stage.mergeLink(l);
  for (const t of snap.teachers) stage.addTeacher(t);
  for (const c of snap.classes) stage.addClass(c);
  for (const e of snap.enrollments) stage.addEnrollment(e);
  const errors = new Rejections();
  errors.push(...snap.errors);
  return { format: snap.format, stage, errors, complete: snap.complete };
}
