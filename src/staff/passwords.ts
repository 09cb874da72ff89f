import { hash, verify, type Algorithm } from '@node-rs/argon2';
import type { Db } from '../../db/client';
import { findStaffByEmail, setPasswordHash } from '../../db/repositories/staff';
import { AppError } from '../errors';
import type { StaffPrincipal } from './scope';

/**
 * Console passwords. People choose guessable passwords, so unlike API tokens (32 random bytes,
 * SHA-256 is enough there) they get a slow, memory-hard hash: argon2id with the library's
 * defaults, which are OWASP's minimum (19 MiB, 2 passes, 1 lane). The PHC string stores its own
 * parameters and salt, so raising them later still verifies old hashes.
 */

export const MIN_PASSWORD_LENGTH = 10;
// Long enough for any passphrase, short enough that nobody can make us hash a megabyte.
export const MAX_PASSWORD_LENGTH = 256;

// `Algorithm` is an ambient const enum, which isolatedModules cannot read; 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

export function checkPassword(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw AppError.validation({ password: 'too short' }, `A password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw AppError.validation({ password: 'too long' }, `A password may have at most ${MAX_PASSWORD_LENGTH} characters`);
  }
}

export async function hashPassword(password: string): Promise<string> {
  checkPassword(password);
  return hash(password.normalize('NFC'), { algorithm: ARGON2ID });
}

export async function setStaffPassword(db: Db, staffId: number, password: string): Promise<void> {
  await setPasswordHash(db, staffId, await hashPassword(password));
}

// Verified against when the account is missing, so a wrong email costs as long as a wrong password.
let decoy: Promise<string> | null = null;

/**
 * The active staff member with this email and password, or null: an unknown email, an inactive
 * account, an account without a password and a wrong password all look the same to the caller.
 */
export async function verifyPassword(db: Db, email: string, password: string): Promise<StaffPrincipal | null> {
  const row = await findStaffByEmail(db, email.trim().toLowerCase());
  const stored = row?.active && row.passwordHash ? row.passwordHash : null;
  decoy ??= hash('decoy password for timing', { algorithm: ARGON2ID });
  const candidate = typeof password === 'string' && password.length <= MAX_PASSWORD_LENGTH * 4 ? password.normalize('NFC') : '';
  let ok = false;
  try {
    ok = await verify(stored ?? (await decoy), candidate);
  } catch (err) {
    // A hash that cannot be parsed is a data problem, not a failed sign-in: make it loud.
    throw new Error(`Stored password hash of staff #${row?.id} is unreadable: ${(err as Error).message}`);
  }
  if (!ok || !row || stored === null) return null;
  return { id: row.id, email: row.email, name: row.name, role: row.role, schoolId: row.schoolId };
}
