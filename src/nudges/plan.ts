import type { Db } from '../../db/client';
import type { SchoolRow } from '../../db/repositories/routing';
import { classesOfStudents, nudgeAudience, optedOutNumbers, recentTipIds, type NudgeFamily } from '../../db/repositories/nudges';
import { currentUnits } from '../../db/repositories/classes';
import { freshestProgress } from '../../db/repositories/progress';
import { isoWeekStart } from '../updates/week';
import { composeNudge, type NudgeChild } from './compose';
import type { NudgeBudget } from './budget';
import { weeksBefore } from './week';
import { gradeBand } from './tips';

function knownGrade(grade: string): boolean {
  try {
    gradeBand(grade);
    return true;
  } catch {
    return false; // gradeBand throws RangeError for a grade outside PK, K, 1–12
  }
}

/** Why a family gets no nudge this week. */
export type NudgeSkipReason = 'paused' | 'no_children' | 'no_number' | 'opted_out' | 'budget' | 'unknown_grade';

export interface NudgeText {
  recipients: string[];
  text: string;
  language: string;
  encoding: string;
  segments: number;
  tips: { studentId: number; tipId: string }[];
}

export type FamilyNudge =
  | { family: NudgeFamily; kind: 'send'; texts: NudgeText[]; left: { number: string; reason: 'opted_out' | 'budget' }[] }
  | { family: NudgeFamily; kind: 'skip'; reason: NudgeSkipReason; pausedUntil?: string };

const FOUR_WEEKS_MS = 28 * 86_400_000;
/** A tip is not repeated for a child within this many weeks. */
export const TIP_MEMORY_WEEKS = 12;

/** What a page's nudges are made of that no other page's nudges change: read while the page before is written. */
export interface PageFacts {
  page: NudgeFamily[];
  audience: Awaited<ReturnType<typeof nudgeAudience>>;
  studentIds: number[];
  numbers: string[];
  classRows: Awaited<ReturnType<typeof classesOfStudents>>;
  progress: Awaited<ReturnType<typeof freshestProgress>>;
  optedOut: Set<string>;
  units: Awaited<ReturnType<typeof currentUnits>>;
}

/** Reads in bulk for the page: its children, numbers, classes, progress, opt-outs and units. */
export async function readPageFacts(db: Db, school: SchoolRow, senderKey: string, page: NudgeFamily[], nowMs: number): Promise<PageFacts> {
  const audience = await nudgeAudience(db, page.map((f) => f.id));
  const studentIds = [...new Set(audience.map((a) => a.studentId))];
  const numbers = [...new Set(audience.flatMap((a) => (a.number ? [a.number] : [])))];
  const [classRows, progress, optedOut] = await Promise.all([
    classesOfStudents(db, studentIds),
    freshestProgress(db, studentIds, isoWeekStart(nowMs - FOUR_WEEKS_MS, school.timezone)),
    optedOutNumbers(db, numbers, senderKey),
  ]);
  const units = await currentUnits(db, [...new Set(classRows.map((c) => c.classId))]);
  return { page, audience, studentIds, numbers, classRows, progress, optedOut, units };
}

/**
 * What each family of one page would be sent at `nowMs`: one text per family naming each child it
 * may hear about (two only when its numbers may hear about different children, under a no-contact
 * order), or why it gets none. Sends nothing (see tick.ts). The budget and the recent tips are
 * read here, after earlier pages' nudges are stored, so those count.
 */
export async function planNudges(
  db: Db,
  school: SchoolRow,
  facts: PageFacts,
  nowMs: number,
  week: string,
  budget: NudgeBudget,
): Promise<FamilyNudge[]> {
  const { page, audience, studentIds, numbers, classRows, progress, optedOut, units } = facts;
  const [tips] = await Promise.all([
    recentTipIds(db, studentIds, weeksBefore(nowMs, school.timezone, TIP_MEMORY_WEEKS)),
    budget.load(numbers.filter((n) => !optedOut.has(n))),
  ]);
  const homeroom = new Map<number, (typeof classRows)[number]>();
  for (const c of classRows) if (!homeroom.has(c.studentId)) homeroom.set(c.studentId, c);

  const byFamily = new Map<number, typeof audience>();
  for (const a of audience) byFamily.set(a.familyId, [...(byFamily.get(a.familyId) ?? []), a]);

  return page.map((family): FamilyNudge => {
    if (family.pausedUntil && Date.parse(family.pausedUntil) > nowMs) return { family, kind: 'skip', reason: 'paused', pausedUntil: family.pausedUntil };
    const rows = byFamily.get(family.id) ?? [];
    if (!rows.length) return { family, kind: 'skip', reason: 'no_children' };
    // Each number hears about the children its guardians may be contacted about.
    const childrenOf = new Map<string, Set<number>>();
    for (const r of rows) if (r.number) childrenOf.set(r.number, (childrenOf.get(r.number) ?? new Set()).add(r.studentId));
    if (!childrenOf.size) return { family, kind: 'skip', reason: 'no_number' };
    const left: { number: string; reason: 'opted_out' | 'budget' }[] = [];
    const groups = new Map<string, { studentIds: number[]; recipients: string[] }>();
    for (const [number, ids] of childrenOf) {
      if (optedOut.has(number)) {
        left.push({ number, reason: 'opted_out' });
        continue;
      }
      if (!budget.allows(number)) {
        left.push({ number, reason: 'budget' });
        continue;
      }
      const studentIdsOfNumber = [...ids].sort((a, b) => a - b);
      const key = studentIdsOfNumber.join(',');
      const g = groups.get(key) ?? { studentIds: studentIdsOfNumber, recipients: [] };
      g.recipients.push(number);
      groups.set(key, g);
    }
    if (!groups.size) return { family, kind: 'skip', reason: left.some((l) => l.reason === 'budget') ? 'budget' : 'opted_out' };
    const firstRow = new Map(rows.map((r) => [r.studentId, r]));
    // A grade the tip library has no band for (a roster typo) skips this family, not the whole tick.
    if (rows.some((r) => !knownGrade(r.grade))) return { family, kind: 'skip', reason: 'unknown_grade' };
    const texts = [...groups.values()].map((g) => {
      const children: NudgeChild[] = g.studentIds.map((id) => {
        const s = firstRow.get(id)!;
        const cls = homeroom.get(id);
        return {
          studentId: id,
          firstName: s.firstName,
          grade: s.grade,
          currentUnit: cls ? (units.get(cls.classId) ?? null) : null,
          progress: progress.get(id) ?? [],
          recentTipIds: tips.get(id) ?? [],
        };
      });
      const teacherName = g.studentIds.map((id) => homeroom.get(id)?.teacherName).find((n) => n) ?? null;
      const composed = composeNudge({ language: family.language, teacherName, children, seed: `${family.id}:${week}`, schoolName: school.name });
      for (const n of g.recipients) budget.spend(n);
      return { recipients: g.recipients, text: composed.text, language: composed.language, encoding: composed.encoding, segments: composed.segments, tips: composed.tips };
    });
    return { family, kind: 'send', texts, left };
  });
}
