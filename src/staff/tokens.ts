import crypto from 'node:crypto';

/** API tokens are 32 random bytes; only their SHA-256 is stored, so a leaked database leaks no token. */
export function newApiToken(): string {
  return `fl_${crypto.randomBytes(32).toString('base64url')}`;
}

export function hashApiToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}
