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

/** A number in E.164 form: +, a country code, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;
/** A carrier short code (5 or 6 digits in the US, 3 to 8 elsewhere): the other kind of SMS address. */
export const SHORT_CODE = /^\d{3,8}$/;

/**
 * For logs: keeps the country code and last four digits (+1******4567). Anything longer than a
 * phone number can be is '***', so a hostile value never reaches a log line whole.
 */
export function maskPhone(number: string | null | undefined): string {
  if (!number) return '';
  const m = /^(\+1|\+\d{2})(\d{1,11})(\d{4})$/.exec(number);
  if (!m) return '***';
  return `${m[1]}${'*'.repeat(m[2].length)}${m[3]}`;
}
