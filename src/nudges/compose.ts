import type { ProgressKind } from '../../db/schema';
import { hasOwnTemplate } from '../i18n/i18n';
import { DEFAULT_LANGUAGE, normalizeLanguage } from '../i18n/languages';
import { segmentInfo } from '../i18n/segments';
import { marked, named, render } from './render';
import { gradeBand, hasTipLibrary, pickTip } from './tips';

/**
 * One family's weekend text: for each child a progress line (how they are doing), what the class
 * is learning now, and one ten-minute tip matched to the child's grade band and current unit;
 * then a reply prompt. One text names every child; never one text per child. Pure: no clock, no
 * database, the same input gives the same text (the seed picks among equally good tips).
 *
 * The words are templates/{lng}/nudges.json (namespace `nudges`) and tips.json. Like the sentence
 * bank, no line needs the child's gender (see README, "Teacher updates: the sentence bank").
 */

export interface NudgeProgress {
  kind: ProgressKind;
  value: string | null;
  /** The Monday (YYYY-MM-DD) of the record's week. */
  week: string;
  /** The language a `note` is written in (default English); a note in another language is not quoted. */
  language?: string | null;
}

export interface NudgeChild {
  studentId: number;
  firstName: string;
  grade: string;
  currentUnit: string | null;
  /** Freshest first. */
  progress: NudgeProgress[];
  /** Tips this child got in the last 12 weeks, newest first. */
  recentTipIds: string[];
}

export interface NudgeInput {
  /** The family's language (a code, "es-MX" or a name). */
  language: string;
  /** Whom a reply reaches ("Ms. Lee"); null for "Reply with any question". */
  teacherName: string | null;
  children: NudgeChild[];
  /** Picks among equally good tips; e.g. `${familyId}:${isoWeek}`, so a preview and the send agree. */
  seed: string;
  /** Opens the text ("Happy weekend from Lincoln Elementary!"): a parent may hear from two schools. */
  schoolName?: string | null;
}

export interface ComposedNudge {
  text: string;
  /** The language the text is in: the family's, or English when that has no nudges or tips yet. */
  language: string;
  encoding: string;
  segments: number;
  tips: { studentId: number; tipId: string }[];
  /** Lines left out to fit MAX_SEGMENTS. */
  dropped: 'learning'[];
  /** Further shortening, in the order applied: brief progress lines, then no opening line. */
  shortened: ('progress' | 'opening' | 'wording')[];
}

/** A weekend text aims at three segments; over that it is shortened by rule (see composeNudge). */
export const MAX_SEGMENTS = 3;
/** A note longer than this is not quoted (it would crowd out the tip); the family is told there is one. */
export const MAX_NOTE_CHARS = 100;
/** A reading level is a short code ("M", "Level 18", "on grade level"); a longer value is not a level. */
const MAX_LEVEL_CHARS = 30;

/** Every key a language needs before its families get nudges in it (plural keys by their `_other`). */
const REQUIRED_KEYS = [
  'opening', 'openingSchool', 'learning', 'tip', 'tipShort', 'reply.teacher', 'reply.school', 'replyShort.teacher', 'replyShort.school',
  'progress.missing_assignments', 'progress.absences', 'progress.reading_level', 'progress.update',
  'progress.note', 'progress.note_other', 'progress.steady',
  'brief.missing_assignments', 'brief.absences', 'brief.reading_level', 'brief.update', 'brief.note_other', 'brief.steady',
];

const nudgeLanguages = new Map<string, boolean>();
/**
 * The language a family's nudge is written in: its own when it has every nudge line and every tip,
 * else English (a half-translated language is not used, so one text never mixes two languages).
 */
export function nudgeLanguage(language: string): string {
  const code = normalizeLanguage(typeof language === 'string' ? language : '') ?? DEFAULT_LANGUAGE;
  let has = nudgeLanguages.get(code);
  if (has === undefined) {
    has = REQUIRED_KEYS.every((key) => hasOwnTemplate(code, `nudges:${key}`)) && hasTipLibrary(code);
    nudgeLanguages.set(code, has);
  }
  return has ? code : DEFAULT_LANGUAGE;
}

type Line = { key: string; vars: Record<string, string | number>; brief: string | null };

const COUNT = /^\s*\d{1,4}\s*$/;
/** Within one week, what a parent most needs to hear comes first. */
const PRIORITY = ['missing_assignments+', 'absences+', 'note', 'update', 'reading_level', 'missing_assignments0', 'absences0'];

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A record as a line, or null when it has nothing usable to say (a bad count, an empty note). */
function lineFor(record: NudgeProgress, child: string, language: string): (Line & { rank: string }) | null {
  const value = record.value === null || record.value === undefined ? '' : oneLine(String(record.value));
  switch (record.kind) {
    case 'missing_assignments':
    case 'absences': {
      if (!COUNT.test(value)) return null;
      const count = Number(value);
      return { key: record.kind, vars: { child, count }, brief: record.kind, rank: `${record.kind}${count > 0 ? '+' : '0'}` };
    }
    case 'reading_level':
      if (value === '' || [...value].length > MAX_LEVEL_CHARS) return null;
      return { key: 'reading_level', vars: { child, level: value.replace(/[.。]+$/u, '') }, brief: 'reading_level', rank: 'reading_level' };
    case 'update':
      return { key: 'update', vars: { child }, brief: 'update', rank: 'update' };
    case 'note': {
      if (value === '') return null;
      const noteLanguage = normalizeLanguage(record.language ?? DEFAULT_LANGUAGE) ?? DEFAULT_LANGUAGE;
      // Quoted only as written in the family's language and short enough; else the family is told a note waits.
      if (noteLanguage === language && [...value].length <= MAX_NOTE_CHARS) {
        return { key: 'note', vars: { child, note: value }, brief: null, rank: 'note' };
      }
      return { key: 'note_other', vars: { child }, brief: 'note_other', rank: 'note' };
    }
    default:
      return null; // current_unit is the learning line, not how the child is doing
  }
}

/**
 * How the child is doing: the freshest week with a usable record, and within it the record a parent
 * most needs (missing work, absences, a note, an update, a reading level, then the good zeros).
 * Nothing usable: a warm "steady week".
 */
export function progressLine(child: Pick<NudgeChild, 'firstName' | 'progress'>, language: string): Line {
  const name = oneLine(child.firstName);
  const usable = child.progress
    .map((record) => ({ record, line: lineFor(record, name, language) }))
    .filter((x): x is { record: NudgeProgress; line: Line & { rank: string } } => x.line !== null);
  if (usable.length === 0) return { key: 'steady', vars: { child: name }, brief: 'steady' };
  const freshestWeek = usable.reduce((w, x) => (x.record.week > w ? x.record.week : w), usable[0].record.week);
  const ofWeek = usable.filter((x) => x.record.week === freshestWeek);
  const best = ofWeek.reduce((a, b) => (PRIORITY.indexOf(b.line.rank) < PRIORITY.indexOf(a.line.rank) ? b : a));
  const { key, vars, brief } = best.line;
  return { key, vars, brief };
}

/** The class's current unit, else the freshest `current_unit` record; trailing stops trimmed. */
function unitOf(child: NudgeChild): string | null {
  const record = child.progress.find((p) => p.kind === 'current_unit' && p.value && p.value.trim());
  const unit = oneLine(child.currentUnit ?? record?.value ?? '').replace(/[.。]+$/u, '');
  return unit === '' ? null : unit;
}

/** Computed on first use: most texts fit in the first shape and never need the short forms. */
function once<T>(fn: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: fn() }).v;
}

interface Shape {
  learning: boolean;
  briefProgress: boolean;
  opening: boolean;
  /** The short tip label and reply prompt ("Idea:", "Questions? Text Ms. Lee here."). */
  shortWording: boolean;
}

/** The shapes of composeNudge, shortest last. */
const SHAPES: readonly Shape[] = [
  { learning: true, briefProgress: false, opening: true, shortWording: false },
  { learning: false, briefProgress: false, opening: true, shortWording: false },
  { learning: false, briefProgress: true, opening: true, shortWording: false },
  { learning: false, briefProgress: true, opening: false, shortWording: false },
  { learning: false, briefProgress: true, opening: false, shortWording: true },
];

/**
 * Shortening, applied in this order until the text fits MAX_SEGMENTS: (1) drop every learning line
 * (reported in `dropped`); (2) progress lines in their brief form ("Valentina: 2 missing
 * assignments."); (3) no opening line; (4) the short tip label and reply prompt, which bring one
 * child's text in a two-byte language (Spanish, Portuguese, Polish, Arabic) within three. A tip, the child's name and the reply prompt are never
 * dropped and nothing is cut mid-word, so a family with several children in a two-byte language
 * (Arabic, Polish, …) may still get more than three segments; `segments` says how many. When
 * three cannot be reached, a step is taken only if it saves a segment (the learning line stays
 * when dropping it would not make the text any cheaper).
 */
export function composeNudge(input: NudgeInput): ComposedNudge {
  if (!input.children.length) throw new RangeError('a nudge needs at least one child');
  const language = nudgeLanguage(input.language);

  const chosen: string[] = [];
  const blocks = input.children.map((child) => {
    const name = oneLine(child.firstName);
    const unit = unitOf(child);
    // Brothers and sisters in one band never get the same tip in one text.
    const tip = pickTip({
      band: gradeBand(child.grade),
      unit,
      recentTipIds: [...child.recentTipIds, ...chosen],
      seed: `${input.seed}:${child.studentId}`,
    });
    chosen.push(tip.id);
    const progress = progressLine(child, language);
    const tipText = marked(language, `tips:${tip.id}`);
    return {
      studentId: child.studentId,
      tipId: tip.id,
      progressFull: once(() => render(language, `progress.${progress.key}`, progress.vars)),
      progressBrief: once(() =>
        progress.brief ? render(language, `brief.${progress.brief}`, progress.vars) : render(language, `progress.${progress.key}`, progress.vars),
      ),
      learning: unit ? once(() => render(language, 'learning', { unit })) : null,
      tip: once(() => named(marked(language, 'nudges:tip', { tip: tipText }), name)),
      tipShort: once(() => named(marked(language, 'nudges:tipShort', { tip: tipText }), name)),
    };
  });

  const school = input.schoolName ? oneLine(input.schoolName) : '';
  const opening = once(() => (school ? render(language, 'openingSchool', { school }) : render(language, 'opening', {})));
  const teacher = input.teacherName ? oneLine(input.teacherName) : '';
  const reply = (short: boolean) => {
    const key = short ? 'replyShort' : 'reply';
    return teacher ? render(language, `${key}.teacher`, { teacher }) : render(language, `${key}.school`, {});
  };

  const build = (shape: Shape): string => {
    const lines: string[] = [];
    if (shape.opening) lines.push(opening());
    for (const b of blocks) {
      const progress = shape.briefProgress ? b.progressBrief() : b.progressFull();
      lines.push(shape.learning && b.learning ? `${progress} ${b.learning()}` : progress);
      lines.push(shape.shortWording ? b.tipShort() : b.tip());
    }
    lines.push(reply(shape.shortWording));
    return lines.join('\n');
  };

  const hasLearning = blocks.some((b) => b.learning !== null);
  // The first shape that fits; when none does, the first as short as the shortest, so nothing is
  // dropped that would not save a segment. Shapes are built in order until one fits.
  const built: { shape: Shape; text: string; info: ReturnType<typeof segmentInfo> }[] = [];
  for (const shape of SHAPES) {
    const text = build(shape);
    built.push({ shape, text, info: segmentInfo(text) });
    if (built[built.length - 1].info.segments <= MAX_SEGMENTS) break;
  }
  const target = Math.max(MAX_SEGMENTS, Math.min(...built.map((b) => b.info.segments)));
  const { shape, text, info } = built.find((b) => b.info.segments <= target)!;
  return {
    text,
    language,
    encoding: info.encoding,
    segments: info.segments,
    tips: blocks.map((b) => ({ studentId: b.studentId, tipId: b.tipId })),
    dropped: hasLearning && !shape.learning ? ['learning'] : [],
    shortened: [
      ...(shape.briefProgress ? (['progress'] as const) : []),
      ...(!shape.opening ? (['opening'] as const) : []),
      ...(shape.shortWording ? (['wording'] as const) : []),
    ],
  };
}
