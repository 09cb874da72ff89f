import type { Request, Response } from 'express';
import type { ConsoleSecurity } from './session';
import { renderFragment, renderPage, type PageLocals } from './render';

/**
 * Renders a full page with what the layout needs: the signed-in staff member and a CSRF token.
 * `page.fragment` renders a piece a live update swaps in, with the token for the forms it holds.
 */
export interface Page {
  (req: Request, res: Response, view: string, locals: PageLocals, status?: number): void;
  fragment(req: Request, res: Response, view: string, locals: Record<string, unknown>): void;
}

export function pageRenderer(security: ConsoleSecurity): Page {
  const page = (req: Request, res: Response, view: string, locals: PageLocals, status = 200) => {
    renderPage(res, view, { guardrailPaused: res.locals.guardrailPaused ?? [], ...locals, staff: req.staff ?? null, csrf: security.csrfToken(req, res) }, status);
  };
  return Object.assign(page, {
    fragment: (req: Request, res: Response, view: string, locals: Record<string, unknown>) => renderFragment(res, view, { ...locals, csrf: security.csrfToken(req, res) }),
  });
}
