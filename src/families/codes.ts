/** Value sets the API and the roster import share. */

export const GRADES = ['PK', 'K', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'] as const;
export type Grade = (typeof GRADES)[number];

/** "k", "3", 3, "03" → "K", "3"; null when it is not a grade we teach. */
export function normaliseGrade(raw: unknown): Grade | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  let g = String(raw).trim().toUpperCase();
  if (/^\d+$/.test(g)) g = String(Number(g));
  return (GRADES as readonly string[]).includes(g) ? (g as Grade) : null;
}

// ICU knows every ISO 639-1 language by name; an unknown two-letter code has no name.
const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** "ES" → "es"; null unless it is a two-letter ISO 639-1 code. */
export function normaliseLanguage(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const code = raw.trim().toLowerCase();
  if (!/^[a-z]{2}$/.test(code)) return null;
  return names.of(code) ? code : null;
}
