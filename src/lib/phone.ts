import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** E.164 form of a number written any common way, or null when it cannot be a phone number. */
export function toE164(input: string, defaultRegion: CountryCode = 'US'): string | null {
  const parsed = parsePhoneNumberFromString(String(input ?? '').trim(), defaultRegion);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/** For logs: keeps the country code and last four digits (+1******4567). */
export function maskPhone(number: string | null | undefined): string {
  if (!number) return '';
  const m = /^(\+1|\+\d{2})(\d*)(\d{4})$/.exec(number);
  if (!m) return '***';
  return `${m[1]}${'*'.repeat(m[2].length)}${m[3]}`;
}
