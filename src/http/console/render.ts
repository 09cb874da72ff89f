import path from 'node:path';
import type { Request, Response } from 'express';
import { Eta } from 'eta';
import type { StaffPrincipal } from '../../staff/scope';

/**
 * Pages are Eta templates in ./views, rendered on the server. Eta escapes every `<%= %>` (only
 * `<%~ %>` writes raw HTML: use it for the layout's body and nothing a user typed).
 */
const eta = new Eta({ views: path.join(__dirname, 'views'), cache: true, autoEscape: true, autoTrim: false });

export interface PageLocals {
  /** The <title> and the page's h1. */
  title: string;
  /** Which nav item is the current page. */
  section?: 'inbox' | 'classes' | 'sign-in' | 'error' | string;
  [key: string]: unknown;
}

export interface LayoutLocals {
  staff: StaffPrincipal | null;
  csrf: string;
}

export function renderPage(res: Response, view: string, locals: PageLocals & LayoutLocals, status = 200): void {
  res.status(status).type('html').send(eta.render(view, locals));
}

/** A piece of a page (an inbox list, a thread) that live updates fetch and swap in. */
export function renderFragment(res: Response, view: string, locals: Record<string, unknown>): void {
  res.type('html').send(eta.render(view, locals));
}

export type Render = (req: Request, res: Response, view: string, locals: PageLocals, status?: number) => void;
