import crypto from 'node:crypto';

/**
 * API tokens are 32 random bytes; only their SHA-256 is stored, so a leaked database leaks no
 * token. A fast hash is right here, unlike for passwords (src/staff/passwords.ts): a slow hash
 * only protects guessable secrets, and 256 random bits cannot be guessed however fast the hash.
 * Being fast and unsalted also lets every API request find its token by an indexed lookup.
 */
export function newApiToken(): string {
  return `fl_${crypto.randomBytes(32).toString('base64url')}`;
}

export function hashApiToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}
