import type { SchemaKit } from './kit';
import { feedbackTables } from './feedback';
import { messagingTables } from './messaging';
import { peopleTables } from './people';
import { progressTables } from './progress';
import { rosterTables } from './roster';
import { nudgeTables } from './nudges';
import { broadcastTables } from './broadcasts';

/** Every table of FamilyLine, built with one dialect's kit. */
export function buildTables(k: SchemaKit) {
  const people = peopleTables(k);
  return { ...people, ...messagingTables(k, people), ...rosterTables(k, people), ...progressTables(k, people), ...feedbackTables(k, people), ...nudgeTables(k, people), ...broadcastTables(k, people) };
}

export type Tables = ReturnType<typeof buildTables>;
