import { templatedLanguages } from './i18n';

/**
 * Which language a parent's text is written in, by franc-min (trigram statistics of the ~80 most
 * spoken languages), limited to the languages FamilyLine writes: a guess of a language we could
 * not text back in helps nobody, and a small choice guesses better on short texts.
 *
 * franc-min is published as ES modules only. This codebase is CommonJS, so it is loaded once with
 * import() and kept; tsx (npm start, the CLI) runs that as a real import, and jest compiles these
 * files to CommonJS (jest.config.js, transformIgnorePatterns) because jest only runs ES modules
 * under --experimental-vm-modules.
 */

/** Our ISO 639-1 code → franc's ISO 639-3 one (Arabic is franc's Standard Arabic, Chinese its Mandarin). */
const FRANC_CODES: Record<string, string> = {
  en: 'eng',
  es: 'spa',
  pt: 'por',
  pl: 'pol',
  ar: 'arb',
  fr: 'fra',
  ru: 'rus',
  vi: 'vie',
  zh: 'cmn',
  so: 'som',
};

/** Fewer letters than this and a guess is noise ("ok gracias" reads as several languages). */
export const MIN_LETTERS = 20;

/**
 * How close, on franc's 0..1 scale, the runner-up may come before the text is taken as not telling
 * (Spanish and Portuguese share many trigrams; a short text may fit both).
 */
const MIN_LEAD = 0.04;

type FrancAll = (value: string, options: { only: string[]; minLength: number }) => [string, number][];
let loading: Promise<FrancAll> | null = null;

function francAll(): Promise<FrancAll> {
  loading ??= import('franc-min').then((m) => m.francAll as FrancAll);
  return loading;
}

export function letterCount(text: string): number {
  return (text.match(/\p{L}/gu) ?? []).length;
}

/**
 * The language code (ours: 'es', 'pt', ...) `text` is written in, or null when it is too short or
 * too close to call. Only languages with templates are guessed.
 */
export async function detectLanguage(text: string): Promise<string | null> {
  if (letterCount(text) < MIN_LETTERS) return null;
  const ours = templatedLanguages().filter((code) => FRANC_CODES[code]);
  const byFranc = new Map(ours.map((code) => [FRANC_CODES[code], code]));
  const [best, second] = (await francAll())(text, { only: [...byFranc.keys()], minLength: MIN_LETTERS });
  if (!best || best[0] === 'und') return null;
  if (second && best[1] - second[1] < MIN_LEAD) return null;
  return byFranc.get(best[0]) ?? null;
}
