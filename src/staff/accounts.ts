import { z } from 'zod';
import type { Db } from '../../db/client';
import { findSchool } from '../../db/repositories/schools';
import {
  STAFF_ROLES,
  findStaffByEmail,
  findStaffByTokenHash,
  insertApiToken,
  insertStaff,
  listStaffWithTokens,
  revokeApiTokens,
  setPasswordHash,
  updateStaff,
  type StaffListRow,
  type StaffRole,
  type StaffRow,
} from '../../db/repositories/staff';
import { AppError } from '../errors';
import { toE164 } from '../lib/phone';
import { hashPassword } from './passwords';
import { hashApiToken, newApiToken } from './tokens';
import type { StaffPrincipal } from './scope';

export interface AddStaffInput {
  email: string;
  role?: string;
  schoolId?: number;
  name?: string;
  /** A console password to set (or replace); checked and hashed before anything is written. */
  password?: string;
  /** The staff member's own mobile, any common form (stored E.164): a broadcast that pauses itself texts its creator there. */
  phone?: string;
}

export interface AddStaffResult {
  staff: StaffRow;
  created: boolean;
  /** What changed on an existing account (role, school, name, reactivated, password). */
  changes: string[];
  token: string;
}

const emailSchema = z.email();

export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!emailSchema.safeParse(email).success) throw AppError.validation({ email: 'not an email address' }, `Not an email address: ${raw}`);
  return email;
}

function parseRole(raw: string): StaffRole {
  if (!(STAFF_ROLES as readonly string[]).includes(raw)) {
    throw AppError.validation({ role: 'unknown role' }, `Unknown role "${raw}": use one of ${STAFF_ROLES.join(', ')}`);
  }
  return raw as StaffRole;
}

/**
 * Creates a staff account, or finds the one with this email (an imported teacher, say), and
 * issues it a new API token. One email is always one account.
 */
export async function addStaffWithToken(db: Db, input: AddStaffInput, now: string): Promise<AddStaffResult> {
  const email = normaliseEmail(input.email);
  const existing = await findStaffByEmail(db, email);
  const role = input.role === undefined ? existing?.role : parseRole(input.role);
  if (!role) throw AppError.validation({ role: 'is required' }, '--role is required for a new account');
  const schoolId = input.schoolId ?? existing?.schoolId ?? null;
  if (schoolId !== null && !(await findSchool(db, schoolId))) {
    throw AppError.validation({ school: 'no such school' }, `No school with id ${schoolId}`);
  }
  if (role !== 'district_admin' && schoolId === null) {
    throw AppError.validation({ school: 'is required' }, `A ${role} needs --school <id> of an existing school`);
  }
  const name = input.name?.trim() || existing?.name || null;
  const phone = input.phone === undefined ? (existing?.phone ?? null) : toE164(input.phone);
  if (input.phone !== undefined && !phone) throw AppError.validation({ phone: 'not a phone number' }, `Not a phone number: ${input.phone}`);
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);

  let staff: StaffRow;
  const changes: string[] = [];
  if (!existing) {
    staff = await insertStaff(db, { email, name, role, schoolId, phone }, now);
  } else {
    if (existing.role !== role) changes.push(`role ${existing.role} → ${role}`);
    if (existing.schoolId !== schoolId) changes.push(`school ${existing.schoolId ?? '-'} → ${schoolId ?? '-'}`);
    if (existing.name !== name) changes.push('name');
    if (existing.phone !== phone) changes.push('phone');
    // Issuing a token is an explicit grant of access, so it also undoes a deactivation.
    if (!existing.active) changes.push('reactivated');
    staff = changes.length ? await updateStaff(db, existing.id, { role, schoolId, name, phone, active: true }) : existing;
  }
  if (passwordHash !== undefined) {
    await setPasswordHash(db, staff.id, passwordHash);
    if (existing) changes.push(existing.passwordHash ? 'password changed' : 'password set');
  }
  const token = newApiToken();
  await insertApiToken(db, staff.id, hashApiToken(token), now);
  return { staff, created: !existing, changes, token };
}

export async function revokeStaffTokens(db: Db, rawEmail: string, now: string): Promise<{ staff: StaffRow; revoked: number }> {
  const email = normaliseEmail(rawEmail);
  const staff = await findStaffByEmail(db, email);
  if (!staff) throw AppError.notFound(`Staff member ${email}`);
  return { staff, revoked: await revokeApiTokens(db, staff.id, now) };
}

export async function listStaff(db: Db): Promise<StaffListRow[]> {
  return listStaffWithTokens(db);
}

/** The active staff member a bearer token belongs to, or null. */
export async function authenticate(db: Db, token: string): Promise<StaffPrincipal | null> {
  if (!token || token.length > 200) return null;
  const row = await findStaffByTokenHash(db, hashApiToken(token));
  if (!row) return null;
  return { id: row.id, email: row.email, name: row.name, role: row.role, schoolId: row.schoolId };
}
