import path from 'node:path';
import express, { Router, type ErrorRequestHandler } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { isDatabaseBusy } from '../../../db/client';
import { consoleSecurity } from './session';
import { pageRenderer, type Page } from './page';
import { renderPage } from './render';
import { loadStaff, requireSignedIn, signInRoutes } from './sign-in';
import { inboxRoutes } from './inbox';
import { conversationRoutes } from './conversation';
import { familyRoutes } from './families';
import { liveEvents } from './events';
import { composerRoutes } from './composer';
import { importRoutes } from './imports';
import { settingsRoutes } from './settings';
import { languageRoutes } from './language';
import { progressRoutes } from './progress';
import { nudgeRoutes } from './nudges';
import { broadcastRoutes, guardrailBanner } from './broadcasts';

/**
 * The staff console (/console): server-rendered Eta pages, sessions in Redis, CSRF on every form.
 *
 * How to add a page (the update composer, the roster import, school settings, ...):
 *  1. A file here, e.g. `composer.ts`, exporting `composerRoutes(r, deps, page)`.
 *  2. Each route: read and check the input (zod, as src/http/api does), call ONE domain function
 *     with `staffOf(req)` (src/staff/..., which applies src/staff/scope.ts: anything the caller may
 *     not see throws AppError 404), then `page(req, res, 'composer', { title, section, ...data })`.
 *     Never query the database or decide permissions here.
 *  3. A view `views/composer.eta` starting with `<% layout('./layout', it) %>`; `<%= %>` escapes.
 *     Every form: `method="post"` and `<input type="hidden" name="_csrf" value="<%= it.csrf %>">`
 *     (a multipart form puts `?_csrf=<%= it.csrf %>` in its action instead). After a POST, redirect
 *     (303) to a page, so a reload never sends twice.
 *  4. Scripts and styles only as files in ./static (the CSP forbids inline ones), loaded with
 *     `<script src="/console/static/x.js" defer>`; pages must work with JS off, JS only adds.
 *  5. Mount it below with the others, add a nav link in views/layout.eta if it is a section, and a
 *     row in test/integration/console-access.test.ts's matrix.
 */
export interface ConsoleApp {
  router: Router;
  close(): Promise<void>;
}

export function consoleRouter(deps: Deps): ConsoleApp {
  const r = Router();
  const security = consoleSecurity(deps);
  const page = pageRenderer(security);

  // Only the console gets this policy: the simulator's phone page keeps its inline script and style.
  r.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      strictTransportSecurity: security.secure ? { maxAge: 180 * 86400 } : false,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  r.use('/static', express.static(path.join(__dirname, 'static'), { maxAge: '1h', index: false, fallthrough: false }));
  r.use(security.session);
  r.use(cookieParser());
  r.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));
  r.use(security.csrfProtection);
  r.use(loadStaff(deps));
  r.use((_req, res, next) => {
    // Pages show private data: never kept by a shared cache or the back button after sign-out.
    res.set('Cache-Control', 'no-store');
    next();
  });

  signInRoutes(r, deps, page);
  r.use(requireSignedIn);
  r.use(guardrailBanner(deps));
  r.get('/', (_req, res) => res.redirect(303, '/console/inbox'));
  const closers: (() => Promise<void>)[] = [];
  // Pages are mounted here (see above).
  inboxRoutes(r, deps, page);
  conversationRoutes(r, deps, page);
  familyRoutes(r, deps, page);
  composerRoutes(r, deps, page);
  importRoutes(r, deps, page);
  settingsRoutes(r, deps, page);
  languageRoutes(r, deps, page);
  progressRoutes(r, deps, page);
  nudgeRoutes(r, deps, page);
  broadcastRoutes(r, deps, page);
  const live = liveEvents(deps);
  r.get('/events', live.route);
  closers.push(() => live.close());

  r.use((req, _res, next) => next(AppError.notFound(`Page ${req.path}`)));
  r.use(consoleErrors(deps, page, security));
  return {
    router: r,
    async close() {
      for (const c of closers) await c();
    },
  };
}

/** Console errors are pages, not JSON: a 404 looks like any missing page, a bad CSRF token is a 403. */
function consoleErrors(deps: Deps, page: Page, security: ReturnType<typeof consoleSecurity>): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let message = 'Something went wrong on our side. Try again in a moment.';
    if (err instanceof AppError) {
      status = err.status;
      message = status === 404 ? 'There is no such page, or it is not one you can open.' : err.message;
    } else if (err?.code === 'EBADCSRFTOKEN') {
      status = 403;
      message = 'This form has expired or did not come from FamilyLine. Go back, reload the page and try again.';
    } else if (err && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status;
      message = 'The form could not be read. Go back and try again.';
    } else if (isDatabaseBusy(err)) {
      status = 503;
      res.set('Retry-After', '5');
      message = 'FamilyLine is busy writing (a roster import may be running). Try again in a few seconds.';
    } else {
      deps.logger.error({ err, method: req.method, path: req.path }, 'console request failed');
    }
    if (res.headersSent) return;
    const title = status === 404 ? 'Page not found' : status === 403 ? 'Not allowed' : status === 401 ? 'Signed out' : 'Something went wrong';
    try {
      page(req, res, 'error', { title, section: 'error', message, status }, status);
    } catch (tokenErr) {
      // No session or secret to make a token with (Redis is down): the page without a sign-out form.
      deps.logger.warn({ err: (tokenErr as Error).message, path: req.path }, 'console error page rendered without a session');
      renderPage(res, 'error', { title, section: 'error', message, status, staff: null, csrf: '' }, status);
    }
  };
}
