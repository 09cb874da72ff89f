import type { Request, Response } from 'express';
import type { ConsoleSecurity } from './session';
import { renderPage, type PageLocals } from './render';

/** Renders a full page with what the layout needs: the signed-in staff member and a CSRF token. */
export type Page = (req: Request, res: Response, view: string, locals: PageLocals, status?: number) => void;

export function pageRenderer(security: ConsoleSecurity): Page {
  return (req, res, view, locals, status = 200) => {
    renderPage(res, view, { ...locals, staff: req.staff ?? null, csrf: security.csrfToken(req, res) }, status);
  };
}
