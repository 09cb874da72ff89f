import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** Parsed numbers by region and input: rosters repeat numbers, and parsing one costs ~25 µs. */
const MEMO_LIMIT = 50_000;
const memo = new Map<string, string | null>();

/** E.164 form of a number written any common way, or null when it cannot be a phone number. */
export function toE164(input: string, defaultRegion: CountryCode = 'US'): string | null {
  const text = String(input ?? '').trim();
  const key = `${defaultRegion}:${text}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(text, defaultRegion);
  const e164 = !parsed || !parsed.isPossible() ? null : parsed.number;
  // Bounded: a full memo starts over rather than growing with the file.
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, e164);
  return e164;
}

/** For logs: keeps the country code and last four digits (+1******4567). */
export function maskPhone(number: string | null | undefined): string {
  if (!number) return '';
  const m = /^(\+1|\+\d{2})(\d*)(\d{4})$/.exec(number);
  if (!m) return '***';
  return `${m[1]}${'*'.repeat(m[2].length)}${m[3]}`;
}
