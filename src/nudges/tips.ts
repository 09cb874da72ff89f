import { rosterGrade } from '../families/roster/fields';
import { fold } from '../i18n/fold';
import { hasOwnTemplate, t } from '../i18n/i18n';
import { DEFAULT_LANGUAGE, normalizeLanguage } from '../i18n/languages';
import { TIP_TAGS } from './tip-tags';

/**
 * The tip library: ten-minute activities a parent can do at home, one per weekend nudge and child.
 * The words are in templates/{lng}/tips.json (i18next namespace `tips`, one key per tip id, with
 * `{{child}}` for the first name); the tags (grade band, subject, skills) are ./tip-tags.ts, so
 * every language shares them and a new language is a new JSON file only.
 */

export type GradeBand = 'prek-k' | '1-2' | '3-5' | '6-8' | '9-12';
export type TipSubject = 'literacy' | 'math' | 'attendance' | 'social-emotional';
export interface Tip {
  id: string;
  band: GradeBand;
  subject: TipSubject;
  skills: string[];
}

export const GRADE_BANDS: readonly GradeBand[] = ['prek-k', '1-2', '3-5', '6-8', '9-12'];
export const TIP_SUBJECTS: readonly TipSubject[] = ['literacy', 'math', 'attendance', 'social-emotional'];

const TIPS: readonly Tip[] = TIP_TAGS.map(([id, band, subject, skills]) => ({ id, band, subject, skills: [...skills] }));
const byId = new Map(TIPS.map((tip) => [tip.id, tip]));
const byBand = new Map(GRADE_BANDS.map((band) => [band, TIPS.filter((tip) => tip.band === band)]));

/** A grade as the roster stores it ('PK', 'K', '1'..'12'; also 'KG', 'TK', '03') → its band. */
export function gradeBand(grade: string): GradeBand {
  const g = rosterGrade(String(grade));
  if (g === null) throw new RangeError(`no grade band for grade "${grade}"`);
  if (g === 'PK' || g === 'K') return 'prek-k';
  const n = Number(g);
  return n <= 2 ? '1-2' : n <= 5 ? '3-5' : n <= 8 ? '6-8' : '9-12';
}

export function allTips(): Tip[] {
  return TIPS.map((tip) => ({ ...tip, skills: [...tip.skills] }));
}

export function tipById(id: string): Tip | undefined {
  const tip = byId.get(id);
  return tip && { ...tip, skills: [...tip.skills] };
}

const tipLanguages = new Map<string, boolean>();
/** Whether `code` has its own text for every tip (a half-translated library is not used). */
export function hasTipLibrary(code: string): boolean {
  let has = tipLanguages.get(code);
  if (has === undefined) {
    has = TIPS.every((tip) => hasOwnTemplate(code, `tips:${tip.id}`));
    tipLanguages.set(code, has);
  }
  return has;
}

/** A tip as the family reads it; English when `language` has no tip library. */
export function renderTip(tipId: string, language: string, child: string): { text: string; language: string } {
  if (!byId.has(tipId)) throw new RangeError(`unknown tip "${tipId}"`);
  const code = normalizeLanguage(language) ?? DEFAULT_LANGUAGE;
  const lng = hasTipLibrary(code) ? code : DEFAULT_LANGUAGE;
  return { text: t(lng, `tips:${tipId}`, { child }), language: lng };
}

// --- matching a class's current unit -----------------------------------------------------------

/** Words that say nothing about a unit's topic ("Unit 4: The fractions of a whole"). */
const STOP_WORDS = new Set(
  'a an and the of in on to for with by at from unit units chapter lesson lessons module week weeks part intro introduction review our we your class grade'.split(' '),
);

/** Unit words that name a subject, so "Fractions" prefers math tips even when no skill is "fractions". */
const SUBJECT_WORDS: Record<TipSubject, string[]> = {
  math: ['math', 'maths', 'mathematics', 'number', 'counting', 'addition', 'subtraction', 'multiplication', 'division',
    'fraction', 'decimal', 'percent', 'ratio', 'proportion', 'rate', 'geometry', 'shape', 'area', 'perimeter', 'volume',
    'angle', 'measurement', 'measuring', 'algebra', 'equation', 'expression', 'function', 'graph', 'statistic', 'data',
    'probability', 'money', 'time', 'place value', 'calculus', 'trigonometry', 'integer', 'exponent', 'linear'],
  literacy: ['reading', 'read', 'writing', 'write', 'phonics', 'letter', 'spelling', 'vocabulary', 'word', 'grammar',
    'essay', 'story', 'stories', 'book', 'novel', 'poetry', 'poem', 'literature', 'narrative', 'argument', 'persuasive',
    'informational', 'nonfiction', 'fiction', 'comprehension', 'ela', 'english', 'language arts', 'author', 'fluency'],
  attendance: ['attendance', 'routine', 'organization', 'study skills', 'homework', 'planning', 'time management'],
  'social-emotional': ['feeling', 'emotion', 'friendship', 'kindness', 'empathy', 'sel', 'social', 'emotional',
    'conflict', 'mindfulness', 'growth mindset', 'bullying', 'stress', 'community', 'character'],
};

/** "Fractions" and "fraction", "reading" and "read", "essays" and "essay" are one word here. */
function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  return w;
}

function words(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}]+/u)
    .filter((w) => w.length > 1 && !STOP_WORDS.has(w))
    .map(stem);
}

/** The words of each skill and subject phrase, worked out once: every family's nudge asks again. */
const phraseWords = new Map<string, string[]>();
function wordsOfPhrase(phrase: string): string[] {
  let ws = phraseWords.get(phrase);
  if (!ws) phraseWords.set(phrase, (ws = words(phrase)));
  return ws;
}

/** Every word of the phrase is in the unit ("reading aloud" needs both). */
function phraseIn(phrase: string, unitWords: Set<string>): boolean {
  const ws = wordsOfPhrase(phrase);
  return ws.length > 0 && ws.every((w) => unitWords.has(w));
}

/** Whole-phrase skill matches count most; a single shared word less; the unit's subject least. */
function unitScore(tip: Tip, unitWords: Set<string>): number {
  if (unitWords.size === 0) return 0;
  let score = 0;
  for (const skill of tip.skills) {
    if (phraseIn(skill, unitWords)) score += 4;
    else if (wordsOfPhrase(skill).some((w) => unitWords.has(w))) score += 1;
  }
  if (SUBJECT_WORDS[tip.subject].some((w) => phraseIn(w, unitWords))) score += 2;
  return score;
}

const scoresByUnit = new Map<string, Map<string, number>>();
/** Bounded, so memory stays flat: a district has far fewer units than this. */
const MAX_UNITS = 2_000;

/** Every tip's score for a unit, worked out once per unit: each family of a class asks again. */
function unitScores(unit: string | null): Map<string, number> {
  const key = unit ?? '';
  let scores = scoresByUnit.get(key);
  if (!scores) {
    if (scoresByUnit.size >= MAX_UNITS) scoresByUnit.clear();
    const unitWords = new Set(unit ? words(unit) : []);
    scores = new Map(TIPS.map((tip) => [tip.id, unitScore(tip, unitWords)]));
    scoresByUnit.set(key, scores);
  }
  return scores;
}

/** FNV-1a, 32 bits: a stable, seed-dependent order of tips (not for anything secret). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The tip for one child this week. Among the band's tips not in `recentTipIds` (the child's last 12
 * weeks, newest first), those that best match the class's current unit; among equals, the one the
 * seed (family id + week) ranks first, so a preview and the real send agree. When every tip of the
 * band is recent, the one used longest ago (furthest down `recentTipIds`).
 */
export function pickTip(input: { band: GradeBand; unit: string | null; recentTipIds: string[]; seed: string }): Tip {
  const band = byBand.get(input.band) ?? [];
  if (band.length === 0) throw new RangeError(`no tips for grade band "${input.band}"`);
  const recent = new Set(input.recentTipIds);
  const fresh = band.filter((tip) => !recent.has(tip.id));
  if (fresh.length === 0) {
    const oldest = band.reduce((a, b) => (input.recentTipIds.lastIndexOf(a.id) >= input.recentTipIds.lastIndexOf(b.id) ? a : b));
    return { ...oldest, skills: [...oldest.skills] };
  }
  const scores = unitScores(input.unit);
  const ranked = fresh
    .map((tip) => ({ tip, score: scores.get(tip.id) ?? 0, order: hash(`${input.seed}\u0000${tip.id}`) }))
    .sort((a, b) => b.score - a.score || a.order - b.order || (a.tip.id < b.tip.id ? -1 : 1));
  const best = ranked[0].tip;
  return { ...best, skills: [...best.skills] };
}
