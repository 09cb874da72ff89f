import type { SchemaKit } from './kit';
import { messagingTables } from './messaging';
import { peopleTables } from './people';
import { progressTables } from './progress';
import { rosterTables } from './roster';

/** Every table of FamilyLine, built with one dialect's kit. */
export function buildTables(k: SchemaKit) {
  const people = peopleTables(k);
  const messaging = messagingTables(k, people);
  return { ...people, ...messaging, ...rosterTables(k, people), ...progressTables(k, people, messaging) };
}

export type Tables = ReturnType<typeof buildTables>;
