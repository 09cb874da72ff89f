import { detectLanguage, letterCount, MIN_LETTERS } from '../i18n/detect-language';
import { normalizeLanguage } from '../i18n/languages';
import { parseKeyword } from '../i18n/keywords';
import { tipDigit } from '../messaging/nudge-replies';

/**
 * "May prefer Spanish": a family whose last three replies that say anything about a language are
 * all in languages other than its own, and at least two in the same one (the detector now and then
 * takes a short Spanish text for Portuguese; a third, odd one out must not hide the other two). Staff see it in the console and switch with one click;
 * nothing changes for the family until they do (or until the family texts a language name).
 */

export const REPLIES_TO_AGREE = 3;

/** Whether a reply can tell its language: long enough, and not a keyword or a one-digit answer. */
export function tellsLanguage(body: string): boolean {
  return letterCount(body) >= MIN_LETTERS && parseKeyword(body) === null && tipDigit(body) === null;
}

/**
 * The language to suggest for a family writing in `familyLanguage`, from its replies newest first
 * (only those that tell a language count), or null when the last three do not agree on another one.
 */
export async function suggestedLanguage(familyLanguage: string, repliesNewestFirst: string[]): Promise<string | null> {
  const own = normalizeLanguage(familyLanguage) ?? familyLanguage;
  const telling = repliesNewestFirst.filter(tellsLanguage).slice(0, REPLIES_TO_AGREE);
  if (telling.length < REPLIES_TO_AGREE) return null;
  const detected = await Promise.all(telling.map(detectLanguage));
  if (detected.some((d) => d === null || d === own)) return null;
  const counts = new Map<string, number>();
  for (const d of detected as string[]) counts.set(d, (counts.get(d) ?? 0) + 1);
  const [best, count] = [...counts].sort((a, b) => b[1] - a[1])[0];
  return count >= 2 ? best : null;
}
