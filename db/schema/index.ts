/**
 * The tables repositories query, of the dialect this process opened. Repositories import them
 * from here once and run unchanged on either dialect: openDatabase() binds PostgreSQL's tables
 * before anything queries. A process works with one dialect; opening the other throws.
 */
import { sqliteTables } from './sqlite';
import type { Tables } from './tables';

export { EVENT_SOURCES, MESSAGE_KINDS, MESSAGE_STATUSES, type EventSource, type MessageKind, type MessageStatus } from './messaging';
export type { Tables } from './tables';
export { BROADCAST_STATUSES, SKIP_REASONS, type BroadcastStatus, type BroadcastPauseReason, type SkipReason } from './broadcasts';
export { NUDGE_PLAN_STATUSES, type NudgePlanStatus } from './nudges';
export { PROGRESS_KINDS, PROGRESS_SOURCES, type ProgressKind, type ProgressSource } from './progress';

export type Dialect = 'sqlite' | 'postgres';

export let schools = sqliteTables.schools;
export let staff = sqliteTables.staff;
export let apiTokens = sqliteTables.apiTokens;
export let families = sqliteTables.families;
export let guardians = sqliteTables.guardians;
export let phones = sqliteTables.phones;
export let students = sqliteTables.students;
export let studentGuardians = sqliteTables.studentGuardians;
export let optOuts = sqliteTables.optOuts;
export let conversations = sqliteTables.conversations;
export let messages = sqliteTables.messages;
export let messageEvents = sqliteTables.messageEvents;
export let classes = sqliteTables.classes;
export let classTeachers = sqliteTables.classTeachers;
export let enrollments = sqliteTables.enrollments;
export let rosterImports = sqliteTables.rosterImports;
export let rosterImportChunks = sqliteTables.rosterImportChunks;
export let welcomes = sqliteTables.welcomes;
export let progressRecords = sqliteTables.progressRecords;
export let tipFeedback = sqliteTables.tipFeedback;
export let nudgePlans = sqliteTables.nudgePlans;
export let nudgeTips = sqliteTables.nudgeTips;
export let broadcasts = sqliteTables.broadcasts;
export let broadcastRecipients = sqliteTables.broadcastRecipients;

let bound: Dialect | null = null;

/** The dialect of the database this process opened (SQLite until one is opened). */
export function boundDialect(): Dialect {
  return bound ?? 'sqlite';
}

export function bindTables(dialect: Dialect, tables: Tables): void {
  if (bound && bound !== dialect) throw new Error(`This process already opened a ${bound} database; one process uses one dialect`);
  bound = dialect;
  schools = tables.schools;
  staff = tables.staff;
  apiTokens = tables.apiTokens;
  families = tables.families;
  guardians = tables.guardians;
  phones = tables.phones;
  students = tables.students;
  studentGuardians = tables.studentGuardians;
  optOuts = tables.optOuts;
  conversations = tables.conversations;
  messages = tables.messages;
  messageEvents = tables.messageEvents;
  classes = tables.classes;
  classTeachers = tables.classTeachers;
  enrollments = tables.enrollments;
  rosterImports = tables.rosterImports;
  rosterImportChunks = tables.rosterImportChunks;
  welcomes = tables.welcomes;
  progressRecords = tables.progressRecords;
  tipFeedback = tables.tipFeedback;
  nudgePlans = tables.nudgePlans;
  nudgeTips = tables.nudgeTips;
  broadcasts = tables.broadcasts;
  broadcastRecipients = tables.broadcastRecipients;
}
