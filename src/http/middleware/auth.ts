import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { authenticate } from '../../staff/accounts';
import { may, requireThat, type StaffPrincipal } from '../../staff/scope';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by requireStaff for every /api/v1 request. */
      staff?: StaffPrincipal;
    }
  }
}

const bearerToken = (req: Request): string | null => /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1] ?? null;

/** `Authorization: Bearer <token>` → the staff member, else 401. Revoked tokens and inactive staff fail alike. */
async function staffFromBearer(deps: Pick<Deps, 'db'>, req: Request, res: Response): Promise<StaffPrincipal> {
  const token = bearerToken(req);
  const staff = token ? await authenticate(deps.db, token) : null;
  if (!staff) {
    res.set('WWW-Authenticate', 'Bearer realm="familyline"');
    throw AppError.unauthorized();
  }
  return staff;
}

/** `Authorization: Bearer <token>` → req.staff, else 401. */
export function requireStaff(deps: Pick<Deps, 'db'>): RequestHandler {
  return async (req, res, next) => {
    req.staff = await staffFromBearer(deps, req, res);
    next();
  };
}

/** Compared as digests, so the time taken says nothing about how much of the token was right. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

/** METRICS_TOKEN when one is set, else (or also) a district admin's API token; anyone else 401 or 403. */
export function requireMetricsReader(deps: Pick<Deps, 'db' | 'config'>): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req);
    if (token && deps.config.metricsToken && sameSecret(token, deps.config.metricsToken)) return next();
    requireThat(may.readMetrics(await staffFromBearer(deps, req, res)), 'Only a district admin (or METRICS_TOKEN) may read metrics');
    next();
  };
}

/** The authenticated staff member; routes run behind requireStaff, so absence is a wiring bug. */
export function staffOf(req: Request): StaffPrincipal {
  if (!req.staff) throw AppError.unauthorized();
  return req.staff;
}
