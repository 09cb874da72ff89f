/** The PostgreSQL tables (several hosts); drizzle.pg.config.ts generates migrations from these. */
import { pgKit } from './kit';
import { buildTables } from './tables';

export const pgTables = buildTables(pgKit);
export const {
  schools, staff, apiTokens, families, guardians, phones, students, studentGuardians,
  optOuts, conversations, messages, messageEvents,
  classes, classTeachers, enrollments, rosterImports, rosterImportChunks, welcomes,
  progressRecords,
  tipFeedback,
  nudgePlans, nudgeTips,
  broadcasts, broadcastRecipients,
} = pgTables;
