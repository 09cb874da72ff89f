import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { reminderLanguage, reminderTemplates } from '../../reminders/templates';
import { languageField } from './fields';
import { parseQuery } from './validate';

/**
 * GET /reminders[?language=xx]: the school reminders a broadcast may be written from, in picker
 * order, each with its id, title and the slots to fill (then POST /broadcasts with
 * "reminder":{"id","slots"}). Titles are in `language` when it has reminders, else English; the
 * answer says which. The whole catalogue is one short page.
 */
const listQuery = z.strictObject({ language: languageField.optional() });

export function remindersRouter(_deps: Deps): Router {
  const r = Router();
  r.get('/', (req, res) => {
    const language = reminderLanguage(parseQuery(listQuery, req).language ?? 'en');
    res.json({ language, items: reminderTemplates(language), nextCursor: null });
  });
  return r;
}
