import type { Request, RequestHandler } from 'express';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { authenticate } from '../../staff/accounts';
import type { StaffPrincipal } from '../../staff/scope';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by requireStaff for every /api/v1 request. */
      staff?: StaffPrincipal;
    }
  }
}

/** `Authorization: Bearer <token>` → req.staff, else 401. Revoked tokens and inactive staff fail alike. */
export function requireStaff(deps: Pick<Deps, 'db'>): RequestHandler {
  return async (req, res, next) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const staff = m ? await authenticate(deps.db, m[1]) : null;
    if (!staff) {
      res.set('WWW-Authenticate', 'Bearer realm="familyline"');
      throw AppError.unauthorized();
    }
    req.staff = staff;
    next();
  };
}

/** The authenticated staff member; routes run behind requireStaff, so absence is a wiring bug. */
export function staffOf(req: Request): StaffPrincipal {
  if (!req.staff) throw AppError.unauthorized();
  return req.staff;
}
