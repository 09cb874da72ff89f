import type { RowError } from './model';

/**
 * Why a row was rejected, for the report's counts: a file of a million bad rows is summed up by
 * kind, whatever each row's own reason says.
 */
export const REJECT_KINDS = {
  misaligned: 'more or fewer fields than the header',
  too_long: 'a value longer than FamilyLine keeps',
  missing: 'a required value is empty',
  grade: 'no grade FamilyLine can use',
  duplicate: 'an id already used on an earlier row',
  conflict: 'disagrees with an earlier row or record',
  unreadable_value: 'a value FamilyLine cannot read (language, yes/no flag, email)',
  phone: 'not a phone number',
  unknown_reference: 'names a school, class or person neither the file nor FamilyLine has',
  unlinked: 'a guardian linked to no student',
  unreadable_file: 'an optional file that could not be read',
  other_school: "names another school's student, class, guardian or teacher",
  admin_account: 'names an admin account, which an import never changes',
} as const;
export type RejectKind = keyof typeof REJECT_KINDS;

/** Rejected rows a report lists with their reasons; the rest are only counted. */
export const LISTED_REJECTIONS = 1000;

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

export interface RejectedCounts {
  total: number;
  byKind: Partial<Record<RejectKind, number>>;
  /** Rejected rows counted in `total` but left out of `errors`. */
  omitted: number;
}

/** What an import did (or, in a dry run, would do), entity by entity, and the rows it rejected. */
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
  rejected: RejectedCounts;
  /** The first LISTED_REJECTIONS rejected rows, file by file and line by line. */
  errors: RowError[];
}

const counts = (): Counts => ({ created: 0, updated: 0, unchanged: 0, deactivated: 0 });
const links = (): LinkCounts => ({ added: 0, removed: 0, updated: 0, unchanged: 0 });

export function emptyReport(format: ImportReport['format'], dryRun: boolean): ImportReport {
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
    ...new Rejections().summary(),
  };
}

const byPlace = (a: RowError, b: RowError) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1);

/**
 * The rows an import rejects, as it finds them: every one counted by kind, the first
 * LISTED_REJECTIONS by file and line kept with their reasons. A file of a million bad rows stays
 * a count, in memory and in the stored report.
 */
export class Rejections {
  private readonly kept: RowError[] = [];
  private readonly counts = new Map<RejectKind, number>();
  private count = 0;

  constructor(private readonly listed = LISTED_REJECTIONS) {}

  get total(): number {
    return this.count;
  }

  push(...rows: RowError[]): void {
    for (const row of rows) {
      this.count++;
      this.counts.set(row.kind, (this.counts.get(row.kind) ?? 0) + 1);
      this.keep(row);
    }
  }

  /** Takes over another collection's counts and listed rows. */
  merge(other: Rejections): void {
    this.count += other.count;
    for (const [kind, n] of other.counts) this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
    other.kept.forEach((row) => this.keep(row));
  }

  /** The listed rows, file by file and line by line (rows of one line in the order found). */
  rows(): RowError[] {
    return [...this.kept];
  }

  summary(): Pick<ImportReport, 'rejected' | 'errors'> {
    return {
      rejected: { total: this.count, byKind: Object.fromEntries(this.counts), omitted: this.count - this.kept.length },
      errors: this.rows(),
    };
  }

  private keep(row: RowError): void {
    const kept = this.kept;
    // Rows mostly come in file order, so a full list usually drops the new row at once.
    if (kept.length >= this.listed && byPlace(row, kept[kept.length - 1]) >= 0) return;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byPlace(kept[mid], row) <= 0) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, row);
    if (kept.length > this.listed) kept.pop();
  }
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
    `rejected rows: ${r.rejected.total}`,
    ...Object.entries(r.rejected.byKind).map(([kind, n]) => `  ${String(n).padStart(7)} ${REJECT_KINDS[kind as RejectKind] ?? kind}`),
    ...r.errors.map((e) => `  ${e.file}:${e.line}: ${e.reason}`),
    ...(r.rejected.omitted ? [`  … and ${r.rejected.omitted} more rejected rows, not listed`] : []),
  ];
  return lines.join('\n');
}
