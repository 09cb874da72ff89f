import { DateTime } from 'luxon';
import { segmentInfo } from '../i18n/segments';

/**
 * A teacher's reply carries their name the first time they write in a conversation each week
 * (Monday 00:00 in the school's zone), so a parent knows who is writing without every text
 * repeating it. The dash is "-" while the text is otherwise plain GSM-7: an em dash alone would
 * switch the whole text to UCS-2 and roughly double what it costs; in a text that is UCS-2
 * anyway (Spanish accents, Arabic), it is the nicer "—".
 */

export const MAX_BODY = 1600;

export function weekStart(nowMs: number, timezone: string): string {
  return DateTime.fromMillis(nowMs, { zone: timezone }).startOf('week').toUTC().toISO()!;
}

export function signBody(body: string, name: string): string {
  const plain = `${body}\n- ${name}`;
  const signed = segmentInfo(plain).encoding === 'GSM-7' ? plain : `${body}\n— ${name}`;
  // A text at Twilio's length limit goes as written rather than being refused for its signature.
  return [...signed].length <= MAX_BODY ? signed : body;
}
