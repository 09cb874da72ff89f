/**
 * SMS encoding and segment count, following Twilio's rules (3GPP TS 23.038 GSM-7 default
 * alphabet + extension table; anything else sends the whole text as UCS-2).
 *
 * Decisions:
 * - An empty body is 0 segments. Twilio refuses to send one (error 21602) and bills nothing;
 *   Twilio's web calculator shows "1" only because it starts from one empty segment.
 * - UCS-2 parts are cut on code point boundaries (a surrogate pair is never split), as the
 *   brief and handsets do; a part may then hold 66 units.
 */

/** GSM 03.38 basic table, in code order 0x00–0x7F. 0x1B (ESC) is not a character. */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Extension table: each costs ESC + char = two septets, and the pair never splits. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

export const LIMITS = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const;

export type Encoding = keyof typeof LIMITS;

export interface SegmentInfo {
  encoding: Encoding;
  /** Parts Twilio bills for; 0 for an empty body. */
  segments: number;
  /** Unicode code points. */
  characters: number;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
}

const basic = new Set([...GSM7_BASIC].filter((c) => c !== '\u001b'));
const extension = new Set([...GSM7_EXTENSION]);

if (GSM7_BASIC.length !== 128) throw new Error(`GSM-7 basic table has ${GSM7_BASIC.length} entries, not 128`);

/** Cost in units of one code point in the given encoding. */
function weight(ch: string, encoding: Encoding): number {
  if (encoding === 'GSM-7') return extension.has(ch) ? 2 : 1;
  return ch.length; // 2 for a surrogate pair, else 1
}

export function isGsm7(ch: string): boolean {
  return basic.has(ch) || extension.has(ch);
}

export function segmentInfo(body: string): SegmentInfo {
  const chars = [...body];
  const encoding: Encoding = chars.every(isGsm7) ? 'GSM-7' : 'UCS-2';
  const weights = chars.map((c) => weight(c, encoding));
  const units = weights.reduce((a, b) => a + b, 0);
  const limit = LIMITS[encoding];

  let segments: number;
  if (units === 0) segments = 0;
  else if (units <= limit.single) segments = 1;
  else {
    // Greedy fill, as a sender does: an item that does not fit whole opens the next part.
    segments = 1;
    let used = 0;
    for (const w of weights) {
      if (used + w > limit.part) {
        segments += 1;
        used = 0;
      }
      used += w;
    }
  }
  return { encoding, segments, characters: chars.length, units };
}

/** The characters that force UCS-2, for previews ("’ and — cost you 2 extra segments"). */
export function nonGsmCharacters(body: string): string[] {
  return [...new Set([...body].filter((c) => !isGsm7(c)))];
}
