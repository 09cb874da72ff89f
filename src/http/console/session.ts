import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import RedisStore from 'connect-redis';
import { doubleCsrf } from 'csrf-csrf';
import type { Deps } from '../../deps';

/**
 * Console sessions and CSRF protection.
 *
 * Sessions live in Redis (connect-redis on the service's own ioredis connection, keys under
 * QUEUE_PREFIX), never in process memory, so any web host answers any request. The cookie holds
 * only the session id: HttpOnly, SameSite=Lax, Secure when PUBLIC_BASE_URL is https.
 *
 * The secret that signs session cookies and CSRF tokens needs no new env var: the first web host
 * to start writes 32 random bytes to Redis (SET NX) and every host reads the same value, so a
 * cookie signed by one host verifies on all. Deleting the key signs everybody out.
 *
 * CSRF: csrf-csrf's double submit. The token is an HMAC over the session id and a random value;
 * it goes in a cookie and, again, in each form (`_csrf`) or the `x-csrf-token` header. A token
 * only verifies with the session it was made for, so signing in (a new session id) issues a new one.
 */

declare module 'express-session' {
  interface SessionData {
    staffId?: number;
    /** Set on the sign-in page, so an anonymous visitor keeps one session id for its CSRF token. */
    visitedAt?: number;
    /** One line for the next page ("Reply sent."), shown once after a form's redirect. */
    flash?: string;
  }
}

export const SESSION_TTL_S = 8 * 3600;
/** A visitor who only opened the sign-in page holds a key in Redis for an hour, not a working day. */
const ANONYMOUS_TTL_S = 3600;

export interface ConsoleSecurity {
  /** Loads the secret (once), then runs express-session. */
  session: RequestHandler;
  csrfProtection: RequestHandler;
  csrfToken(req: Request, res: import('express').Response, fresh?: boolean): string;
  secure: boolean;
}

/** The shared secret: written once by whichever host starts first, read by all. */
async function sharedSecret(deps: Pick<Deps, 'redis' | 'config'>): Promise<string> {
  const key = `${deps.config.queuePrefix}:console:secret`;
  await deps.redis.set(key, crypto.randomBytes(32).toString('hex'), 'NX');
  const secret = await deps.redis.get(key);
  if (!secret) throw new Error('console secret missing from Redis right after it was written');
  return secret;
}

export function consoleSecurity(deps: Pick<Deps, 'redis' | 'config'>): ConsoleSecurity {
  const secure = deps.config.publicBaseUrl.startsWith('https:');
  let secret: string | null = null;
  let loading: Promise<string> | null = null;
  let sessionMiddleware: RequestHandler | null = null;

  const load = (): Promise<string> => {
    loading ??= sharedSecret(deps).catch((err) => {
      loading = null; // Redis was down: the next request tries again
      throw err;
    });
    return loading;
  };

  const sessionHandler: RequestHandler = async (req, res, next) => {
    if (!sessionMiddleware) {
      secret = await load();
      sessionMiddleware ??= session({
        store: new RedisStore({ client: deps.redis, prefix: `${deps.config.queuePrefix}:console:sess:`, ttl: (sess) => (sess.staffId ? SESSION_TTL_S : ANONYMOUS_TTL_S) }),
        secret,
        name: 'fl.sid',
        resave: false,
        saveUninitialized: false,
        rolling: true,
        // Behind a TLS-terminating proxy the request reaches us as http; `trust proxy` (set in
        // app.ts) lets X-Forwarded-Proto say it was https, which express-session needs before it
        // sends a Secure cookie at all.
        proxy: true,
        cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/console', maxAge: SESSION_TTL_S * 1000 },
      });
    }
    sessionMiddleware(req, res, next);
  };

  const csrf = doubleCsrf({
    getSecret: () => {
      if (!secret) throw new Error('console secret not loaded: the session middleware runs first');
      return secret;
    },
    getSessionIdentifier: (req) => req.session?.id ?? '',
    // __Host- pins the cookie to this host and path / (it requires Secure, so only behind https).
    cookieName: secure ? '__Host-fl.csrf' : 'fl.csrf',
    cookieOptions: { sameSite: 'lax', path: '/', secure, httpOnly: true },
    getCsrfTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      const header = req.get('x-csrf-token');
      if (header) return header;
      // A multipart upload's body is read after this check (by multer), so its form carries the
      // token in its action's query string instead.
      const q = req.query?._csrf;
      return req.is('multipart/form-data') && typeof q === 'string' ? q : undefined;
    },
  });

  return {
    session: sessionHandler,
    csrfProtection: csrf.doubleCsrfProtection,
    // A cookie made for another session (before sign-in, or an expired one) is replaced, never an error.
    csrfToken: (req, res, fresh = false) => csrf.generateCsrfToken(req, res, { overwrite: fresh, validateOnReuse: false }),
    secure,
  };
}
