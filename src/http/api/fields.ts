import { IANAZone } from 'luxon';
import { z } from 'zod';
import { toE164 } from '../../lib/phone';
import { normaliseGrade, normaliseLanguage, GRADES } from '../../families/codes';

/** Field schemas shared by the resources: each normalises as it validates. */

/** A type error's message: "is required" when absent, else what the value should be. */
export const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : what);

export const phoneField = z
  .string({ error: expected('not a phone number') })
  .max(40, 'not a phone number')
  .transform((v, ctx) => {
    const e164 = toE164(v);
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: 'not a phone number' });
      return z.NEVER;
    }
    return e164;
  });

export const languageField = z.string({ error: expected('must be an ISO 639-1 language code such as en or es') }).transform((v, ctx) => {
  const code = normaliseLanguage(v);
  if (!code) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 639-1 language code such as en or es' });
    return z.NEVER;
  }
  return code;
});

export const gradeField = z.union([z.string(), z.number()], { error: expected(`must be one of ${GRADES.join(', ')}`) }).transform((v, ctx) => {
  const grade = normaliseGrade(v);
  if (!grade) {
    ctx.addIssue({ code: 'custom', message: `must be one of ${GRADES.join(', ')}` });
    return z.NEVER;
  }
  return grade;
});

export const timezoneField = z
  .string({ error: expected('must be an IANA time zone such as America/New_York') })
  .refine((v) => v.length < 64 && IANAZone.isValidZone(v), 'must be an IANA time zone such as America/New_York');

export const messagingServiceSidField = z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex digits');

export const nameField = (max = 200) =>
  z.string({ error: expected('must be a string') }).trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const bodyId = z.number({ error: expected('must be a numeric id') }).int('must be a numeric id').positive('must be a numeric id').max(Number.MAX_SAFE_INTEGER);
