import type { Request, Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { takeLanguageSuggestion } from '../../families/families';
import { isSupportedLanguage } from '../../i18n/languages';
import { staffOf } from '../middleware/auth';
import { idParam } from '../api/validate';
import { languageName } from './format';
import type { Page } from './page';

declare module 'express-session' {
  interface SessionData {
    /** What the language switch said, shown once on the page it returns to. */
    languageFlash?: { ok: boolean; text: string };
  }
}

/** The one-click switch's form: the suggested language it showed, and the conversation it was on (if any). */
const switchForm = z.object({
  language: z.string().refine(isSupportedLanguage, 'Not a language FamilyLine knows'),
  conversationId: z.string().regex(/^[1-9][0-9]{0,9}$/).optional(),
});

/** The notice a family or conversation page shows above its thread: the suggestion, and what the last switch did. */
export function languageNotice(req: Request, familyId: number | null, suggestion: string | null, conversationId: number | null) {
  const flash = req.session.languageFlash ?? null;
  delete req.session.languageFlash;
  if (familyId === null || (!suggestion && !flash)) return null;
  return {
    flash,
    suggestion: suggestion ? { code: suggestion, name: languageName(suggestion) } : null,
    action: `/console/families/${familyId}/language`,
    conversationId,
  };
}

/** "May prefer Spanish" → one click → the family's texts go out in Spanish. */
export function languageRoutes(r: Router, deps: Deps, _page: Page): void {
  r.post('/families/:id/language', async (req, res) => {
    const id = idParam(req, 'Family');
    const form = switchForm.safeParse(req.body ?? {});
    if (!form.success) throw AppError.validation({ language: form.error.issues[0]?.message ?? 'is not valid' });
    const back = form.data.conversationId ? `/console/conversations/${form.data.conversationId}#language` : `/console/families/${id}#language`;
    try {
      const view = await takeLanguageSuggestion(deps, staffOf(req), id, form.data.language);
      req.session.languageFlash = { ok: true, text: `Texts to this family now go out in ${languageName(view.family.language)}.` };
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 409) throw err;
      req.session.languageFlash = { ok: false, text: err.message };
    }
    res.redirect(303, back);
  });
}
