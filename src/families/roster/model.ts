/**
 * The roster as FamilyLine needs it, whatever file it came from. Parsers (OneRoster, flat CSV)
 * write these records into a stage (a StagedRoster); the sync writes that to the database. Every record remembers where it
 * came from so a problem found later (a bad phone number) is reported against its file and line.
 */
import type { RosterStage, StagedRecords } from '../../../db/repositories/roster-stage';
import type { RejectKind, Rejections } from './report';

export interface Source {
  file: string;
  /** Physical line where the record starts; the header is line 1. */
  line: number;
}

export interface RosterSchool {
  externalId: string;
  name: string;
  src: Source;
}

export interface RosterStudent {
  externalId: string;
  schoolExternalId: string;
  firstName: string;
  lastName: string;
  /** PK, K, 1…12 (normalised by the parser). */
  grade: string;
  active: boolean;
  src: Source;
}

export interface RosterGuardian {
  externalId: string;
  firstName: string;
  lastName: string;
  /** As written in the file; the sync normalises it with the school's region. */
  phone: string | null;
  /** ISO 639-1 code, or null for the school's default. */
  language: string | null;
  /** An explicit household id from the file, or null to work households out. */
  household: string | null;
  relationship: string | null;
  active: boolean;
  src: Source;
}

export interface RosterLink {
  studentExternalId: string;
  guardianExternalId: string;
  relationship: string | null;
  /** False under a no-contact order. */
  mayContact: boolean;
  src: Source;
}

export interface RosterTeacher {
  externalId: string;
  email: string;
  firstName: string;
  lastName: string;
  schoolExternalIds: string[];
  active: boolean;
  src: Source;
}

export interface RosterClass {
  externalId: string;
  schoolExternalId: string;
  title: string;
  grades: string[];
  subjects: string[];
  active: boolean;
  src: Source;
}

export interface RosterEnrollment {
  classExternalId: string;
  /** A student's or teacher's externalId. */
  userExternalId: string;
  role: 'student' | 'teacher';
  active: boolean;
  src: Source;
}

export interface RowError extends Source {
  kind: RejectKind;
  reason: string;
}

/** Which entities the file describes whole; see RosterCompleteness. */
export interface RosterCompleteness {
  schools: boolean;
  students: boolean;
  guardians: boolean;
  teachers: boolean;
  classes: boolean;
  enrollments: boolean;
}

/**
 * A roster file as read: its records sit in a stage (a scratch database, never all in memory),
 * with the rows the parser rejected and what the file claims to describe whole.
 */
export interface StagedRoster {
  format: 'oneroster' | 'flat';
  stage: RosterStage;
  /** Rows the parser rejected; the rest of the file still imports. */
  errors: Rejections;
  /**
   * False for an entity the file does not fully describe (OneRoster "delta" or "absent" in
   * manifest.csv): its missing records are then left alone instead of deactivated, and a
   * reference to one of them is looked up among the records FamilyLine already has.
   */
  complete: RosterCompleteness;
}

/** A roster's records all in memory: what tests write by hand and read back. */
export interface RosterSnapshot extends StagedRecords {
  format: StagedRoster['format'];
  errors: RowError[];
  complete: RosterCompleteness;
}

/** A file FamilyLine cannot read at all: wrong encoding, not CSV, a required column missing. Nothing is imported. */
export class RosterFileError extends Error {
  constructor(
    message: string,
    public readonly file: string,
  ) {
    super(message);
    this.name = 'RosterFileError';
  }
}

/**
 * A file past one of an import's limits (see limits.ts): too big, too many rows, a line too
 * long, too slow. Nothing is imported, and nothing reads on past it.
 */
export class RosterLimitError extends RosterFileError {
  constructor(
    message: string,
    file: string,
    /** The variable that sets the limit, e.g. ROSTER_MAX_ROWS. */
    public readonly limit: string,
  ) {
    super(message, file);
    this.name = 'RosterLimitError';
  }
}
