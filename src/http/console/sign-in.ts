import crypto from 'node:crypto';
import type { Request, RequestHandler, Router } from 'express';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { findStaffById } from '../../../db/repositories/staff';
import { verifyPassword } from '../../staff/passwords';
import type { StaffPrincipal } from '../../staff/scope';
import type { Page } from './page';

/** Failed sign-ins allowed per email, and per client address, before a 15-minute wait. */
export const MAX_FAILURES = { email: 5, ip: 30 } as const;
const FAILURE_WINDOW_S = 15 * 60;
const BAD_CREDENTIALS = 'That email and password do not match an account. Check both and try again.';

/** The signed-in staff member, read again on every request: a deactivated account is out at once. */
export function loadStaff(deps: Pick<Deps, 'db'>): RequestHandler {
  return async (req, _res, next) => {
    const id = req.session?.staffId;
    if (id !== undefined) {
      const row = await findStaffById(deps.db, id);
      if (row?.active) req.staff = { id: row.id, email: row.email, name: row.name, role: row.role, schoolId: row.schoolId };
    }
    next();
  };
}

/** Pages need a signed-in staff member: a page visit goes to the sign-in form and comes back after. */
export const requireSignedIn: RequestHandler = (req, res, next) => {
  if (req.staff) return next();
  if (req.method === 'GET' && req.accepts(['html', 'json', 'text/event-stream']) === 'html') {
    return res.redirect(303, `/console/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
  }
  next(new AppError(401, 'unauthorized', 'Your session has ended. Sign in again.'));
};

/** Only a path inside the console, so the sign-in form cannot be made to send anyone elsewhere. */
function safeNext(raw: unknown): string {
  return typeof raw === 'string' && /^\/console\/[^/\\]/.test(raw) && !raw.includes('//') && raw.length < 500 ? raw : '/console/inbox';
}

const digest = (s: string) => crypto.createHash('sha256').update(s).digest('hex').slice(0, 32);

/** Failure counters in Redis, so every web host counts the same attempts. */
function failureKeys(deps: Pick<Deps, 'config'>, req: Request, email: string): string[] {
  const base = `${deps.config.queuePrefix}:console:signin-fail`;
  return [`${base}:email:${digest(email)}`, `${base}:ip:${digest(req.ip ?? 'unknown')}`];
}

async function tooManyFailures(deps: Pick<Deps, 'redis' | 'config'>, keys: string[]): Promise<boolean> {
  const [byEmail, byIp] = (await deps.redis.mget(...keys)).map((v) => Number(v ?? 0));
  return byEmail >= MAX_FAILURES.email || byIp >= MAX_FAILURES.ip;
}

async function recordFailure(deps: Pick<Deps, 'redis'>, keys: string[]): Promise<void> {
  const m = deps.redis.multi();
  for (const k of keys) m.incr(k).expire(k, FAILURE_WINDOW_S, 'NX');
  await m.exec();
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}
function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export function signInRoutes(r: Router, deps: Deps, page: Page): void {
  r.get('/sign-in', async (req, res) => {
    if (req.staff) return res.redirect(303, safeNext(req.query.next));
    // Saved now, so the session id (which the CSRF token is tied to) survives until the form comes back.
    req.session.visitedAt = Date.now();
    page(req, res, 'sign-in', { title: 'Sign in', section: 'sign-in', next: safeNext(req.query.next), email: '', error: null });
  });

  r.post('/sign-in', async (req, res) => {
    const email = typeof req.body?.email === 'string' ? req.body.email.trim().slice(0, 320) : '';
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    const next = safeNext(req.body?.next);
    const keys = failureKeys(deps, req, email.toLowerCase());
    const again = (status: number, error: string) => page(req, res, 'sign-in', { title: 'Sign in', section: 'sign-in', next, email, error }, status);
    if (await tooManyFailures(deps, keys)) {
      return again(429, 'Too many failed attempts. Wait 15 minutes, then try again, or ask your school admin to reset your password.');
    }
    const who: StaffPrincipal | null = email && password ? await verifyPassword(deps.db, email, password) : null;
    if (!who) {
      await recordFailure(deps, keys);
      deps.logger.info({ ip: req.ip }, 'console sign-in failed');
      return again(401, BAD_CREDENTIALS);
    }
    await deps.redis.del(keys[0]);
    // A new session id at sign-in: an id planted before it (session fixation) signs nobody in.
    await regenerate(req);
    req.session.staffId = who.id;
    await save(req);
    deps.logger.info({ staffId: who.id }, 'console sign-in');
    res.redirect(303, next);
  });

  r.post('/sign-out', async (req, res) => {
    await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    res.clearCookie('fl.sid', { path: '/console' });
    res.redirect(303, '/console/sign-in');
  });
}
