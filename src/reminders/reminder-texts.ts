import type { Deps } from '../deps';
import { AppError } from '../errors';
import { audienceLanguages } from '../../db/repositories/broadcast-audience';
import type { SchoolRow } from '../../db/repositories/routing';
import { DEFAULT_LANGUAGE } from '../i18n/languages';
import { filterOf } from './fan-out';
import type { AudienceSpec, BroadcastInput, BroadcastRequest } from './model';
import { renderReminderForLanguages } from './templates';

/**
 * A broadcast's texts, as written or rendered from the reminder chosen: once per language its
 * audience reads, with the school's name from its record. Languages without reminders get no
 * text of their own, so the preview's fallback warning counts their families and the fan-out
 * sends them English, exactly as for written texts that leave a language out.
 */
/** `input`'s audience is resolved already (resolveAudience). */
export async function withTexts(deps: Pick<Deps, 'db'>, school: SchoolRow, input: BroadcastInput & { audience: AudienceSpec }): Promise<BroadcastRequest> {
  const { reminder, texts, ...rest } = input;
  if (!reminder) return { ...rest, texts: texts! };
  const languages = [DEFAULT_LANGUAGE, ...(await audienceLanguages(deps.db, school.id, filterOf(input.audience)))];
  try {
    const rendered = renderReminderForLanguages({ id: reminder.id, slots: reminder.slots, school: school.name, languages });
    return { ...rest, texts: Object.fromEntries(rendered.filter((r) => !r.englishFallback).map((r) => [r.language, r.text])) };
  } catch (err) {
    // The renderer names slots as "slots.date"; the caller sent them as "reminder.slots.date".
    if (err instanceof AppError && err.fields) {
      throw AppError.validation(Object.fromEntries(Object.entries(err.fields).map(([field, why]) => [`reminder.${field}`, why])), err.message);
    }
    throw err;
  }
}
