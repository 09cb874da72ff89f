/**
 * STAND-IN for nudge-content's composer (src/nudges/compose.ts), so the engine runs before it
 * lands: same names and signatures, a plain English text. Dropped on merge (theirs wins).
 */
import type { ProgressKind } from '../../db/schema';
import { segmentInfo } from '../i18n/segments';

export interface NudgeChild {
  studentId: number;
  firstName: string;
  grade: string;
  currentUnit: string | null;
  progress: { kind: ProgressKind; value: string | null; week: string }[];
  recentTipIds: string[];
}

const TIPS = ['read-together', 'count-steps', 'bedtime-routine', 'feelings-talk', 'recipe-math'];

export function composeNudge(input: { language: string; teacherName: string | null; children: NudgeChild[]; seed: string }) {
  const tips = input.children.map((c) => ({ studentId: c.studentId, tipId: TIPS.find((t) => !c.recentTipIds.includes(t)) ?? TIPS[0] }));
  const lines = input.children.map((c, i) => `${c.firstName}: ${c.currentUnit ? `learning ${c.currentUnit}. ` : ''}Tip ${tips[i].tipId}.`);
  const text = `${lines.join(' ')} Reply with a question for ${input.teacherName ?? 'the school'}.`;
  const seg = segmentInfo(text);
  return { text, language: 'en', encoding: seg.encoding, segments: seg.segments, tips, dropped: [] as 'learning'[] };
}
