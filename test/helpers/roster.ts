/** Roster files and records for tests: exports written or extended here, stages read or written. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

/** One CSV line for `header`, each column from `values` by name (missing ones empty). */
export function csvLine(header: string, values: Record<string, string>): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return header.replace(/^\uFEFF/, '').split(',').map((c) => cell(values[c] ?? '')).join(',');
}

/** A OneRoster delta export in a new folder: users.csv (and enrollments.csv when given) marked delta, the rest absent. */
export function writeDelta(users: string[], enrollmentRows: string[] = []): string {
  return writeBundle(oneRosterDelta({ users, ...(enrollmentRows.length ? { enrollments: enrollmentRows } : {}) }));
}

/** A copy of a OneRoster export folder with rows added to its files, each written by that file's own header. */
export function extendExport(dir: string, added: Record<string, Record<string, string>[]>): string {
  const copy = mkdtempSync(path.join(tmpdir(), 'export-'));
  cpSync(dir, copy, { recursive: true });
  for (const [file, rows] of Object.entries(added)) {
    const target = path.join(copy, file);
    const text = readFileSync(target, 'utf8');
    const header = text.split(/\r?\n/)[0];
    writeFileSync(target, `${text.replace(/\r?\n?$/, '\n')}${rows.map((r) => `${csvLine(header, r)}\n`).join('')}`);
  }
  return copy;
}

export const DELTA_USERS_HEADER = 'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName,email,sms,phone,agentSourcedIds,grades,metadata.language';
export const ENROLLMENTS_HEADER = 'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role';

const DELTA_HEADERS = {
  users: DELTA_USERS_HEADER,
  classes: 'sourcedId,status,dateLastModified,title,grades,schoolSourcedId,subjects',
  enrollments: ENROLLMENTS_HEADER,
};

/**
 * A OneRoster delta export as file name → text: manifest.csv marks the files given rows
 * `delta` and every other file `absent`, as a SIS's nightly "changes only" export does.
 */
export function oneRosterDelta(rows: Partial<Record<keyof typeof DELTA_HEADERS, string[]>>): Record<string, string> {
  const files: Record<string, string> = {};
  const modes = ['academicSessions', 'orgs', 'courses', 'classes', 'users', 'enrollments'].map((name) => {
    const given = rows[name as keyof typeof DELTA_HEADERS];
    if (given) files[`${name}.csv`] = [DELTA_HEADERS[name as keyof typeof DELTA_HEADERS], ...given, ''].join('\n');
    return `file.${name},${given ? 'delta' : 'absent'}`;
  });
  files['manifest.csv'] = ['propertyName,value', 'manifest.version,1.0', 'oneroster.version,1.1', ...modes, ''].join('\n');
  return files;
}

/** Writes an export's files into a new temporary folder and returns its path. */
export function writeBundle(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'familyline-bundle-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}
