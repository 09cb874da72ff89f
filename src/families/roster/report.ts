import type { RowError } from './model';

export interface Counts {
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
}

export interface LinkCounts {
  added: number;
  removed: number;
  /** Links kept whose details (relationship, no-contact flag) changed. */
  updated: number;
  unchanged: number;
}

/** What an import did (or, in a dry run, would do), entity by entity, and every row it rejected. */
export interface ImportReport {
  format: 'oneroster' | 'flat';
  dryRun: boolean;
  schools: Counts;
  students: Counts;
  teachers: Counts;
  classes: Counts;
  families: Counts;
  guardians: Counts;
  phones: LinkCounts;
  studentGuardians: LinkCounts;
  enrollments: LinkCounts;
  classTeachers: LinkCounts;
  welcomes: { queued: number };
  errors: RowError[];
}

const counts = (): Counts => ({ created: 0, updated: 0, unchanged: 0, deactivated: 0 });
const links = (): LinkCounts => ({ added: 0, removed: 0, updated: 0, unchanged: 0 });

export function emptyReport(format: ImportReport['format'], dryRun: boolean, errors: RowError[]): ImportReport {
  return {
    format,
    dryRun,
    schools: counts(),
    students: counts(),
    teachers: counts(),
    classes: counts(),
    families: counts(),
    guardians: counts(),
    phones: links(),
    studentGuardians: links(),
    enrollments: links(),
    classTeachers: links(),
    welcomes: { queued: 0 },
    errors: [...errors],
  };
}

/** The report as a data manager reads it in a terminal. */
export function formatReport(r: ImportReport): string {
  const row = (name: string, c: Counts) =>
    `${name.padEnd(10)} ${String(c.created).padStart(7)} ${String(c.updated).padStart(8)} ${String(c.unchanged).padStart(10)} ${String(c.deactivated).padStart(12)}`;
  const link = (name: string, c: LinkCounts) => `${name.padEnd(18)} +${c.added} -${c.removed} ~${c.updated} =${c.unchanged}`;
  const lines = [
    `${r.dryRun ? 'DRY RUN: nothing was written. ' : ''}Roster import (${r.format})`,
    `${'entity'.padEnd(10)} ${'created'.padStart(7)} ${'updated'.padStart(8)} ${'unchanged'.padStart(10)} ${'deactivated'.padStart(12)}`,
    row('schools', r.schools),
    row('students', r.students),
    row('teachers', r.teachers),
    row('classes', r.classes),
    row('families', r.families),
    row('guardians', r.guardians),
    link('phones', r.phones),
    link('guardian links', r.studentGuardians),
    link('enrollments', r.enrollments),
    link('class teachers', r.classTeachers),
    `welcome texts queued: ${r.welcomes.queued}`,
    `rejected rows: ${r.errors.length}`,
    ...r.errors.map((e) => `  ${e.file}:${e.line}: ${e.reason}`),
  ];
  return lines.join('\n');
}
