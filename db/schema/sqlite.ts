/** The SQLite tables (the embedded default); drizzle.sqlite.config.ts generates migrations from these. */
import { sqliteKit } from './kit';
import { buildTables } from './tables';

export const sqliteTables = buildTables(sqliteKit);
export const {
  schools, staff, apiTokens, families, guardians, phones, students, studentGuardians,
  optOuts, conversations, messages, messageEvents,
  classes, classTeachers, enrollments, rosterImports, rosterImportChunks, welcomes,
  progressRecords,
  tipFeedback,
  nudgePlans, nudgeTips,
  broadcasts, broadcastRecipients,
} = sqliteTables;
