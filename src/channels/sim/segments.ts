/**
 * Segment count as a carrier bills it, so num_segments and MPS pacing match Twilio.
 * (The i18n folder owns the preview calculator; the simulator keeps its own tiny copy so the
 * dev tool does not depend on domain code.)
 */

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const basic = new Set(GSM_BASIC);
const extended = new Set(GSM_EXTENDED);

export function countSegments(body: string): { encoding: 'GSM-7' | 'UCS-2'; segments: number } {
  if (body.length === 0) return { encoding: 'GSM-7', segments: 1 };
  const chars = Array.from(body);
  if (chars.every((c) => basic.has(c) || extended.has(c))) {
    // An escape pair is never split across parts, so count part by part.
    const units = chars.map((c) => (extended.has(c) ? 2 : 1));
    return { encoding: 'GSM-7', segments: pack(units, 160, 153) };
  }
  // UCS-2 counts UTF-16 code units; a surrogate pair (most emoji) stays in one part.
  return { encoding: 'UCS-2', segments: pack(chars.map((c) => c.length), 70, 67) };
}

function pack(units: number[], single: number, perPart: number): number {
  const total = units.reduce((a, b) => a + b, 0);
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const u of units) {
    if (used + u > perPart) {
      parts++;
      used = 0;
    }
    used += u;
  }
  return parts;
}
