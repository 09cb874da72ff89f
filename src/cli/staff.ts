import { systemClock, isoNow } from '../lib/clock';
import { AppError } from '../errors';
import { addStaffWithToken, listStaff, revokeStaffTokens } from '../staff/accounts';
import type { CommandContext } from './main';

function required(values: CommandContext['values'], name: string): string {
  const v = values[name];
  if (!v) throw AppError.validation({ [name]: 'is required' }, `--${name} is required`);
  return v;
}

function schoolId(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw AppError.validation({ school: 'not an id' }, `--school must be a school id (a number), got "${raw}"`);
  return Number(raw);
}

export async function staffAdd({ values, db, out }: CommandContext): Promise<void> {
  const r = await addStaffWithToken(
    db,
    { email: required(values, 'email'), role: values.role, schoolId: schoolId(values.school), name: values.name },
    isoNow(systemClock),
  );
  const s = r.staff;
  const what = r.created ? 'Created' : r.changes.length ? `Updated (${r.changes.join(', ')})` : 'Found';
  out(`${what} staff #${s.id} ${s.email} (${s.role}${s.schoolId ? `, school ${s.schoolId}` : ''}).`);
  out('New API token (shown once; send it as "Authorization: Bearer <token>"):');
  out(r.token);
}

export async function staffRevoke({ values, db, out }: CommandContext): Promise<void> {
  const r = await revokeStaffTokens(db, required(values, 'email'), isoNow(systemClock));
  out(`Revoked ${r.revoked} token${r.revoked === 1 ? '' : 's'} of staff #${r.staff.id} ${r.staff.email}.`);
}

export async function staffList({ db, out }: CommandContext): Promise<void> {
  const rows = await listStaff(db);
  if (!rows.length) {
    out('No staff yet. Add one with: npm run cli -- staff add --email E --role district_admin');
    return;
  }
  const table = rows.map((s) => [
    String(s.id),
    s.email,
    s.role,
    s.schoolId ? `${s.schoolId} ${s.schoolName ?? ''}`.trim() : '-',
    s.active ? 'active' : 'inactive',
    `${s.liveTokens} token${s.liveTokens === 1 ? '' : 's'}`,
  ]);
  const header = ['id', 'email', 'role', 'school', 'status', 'tokens'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  for (const row of [header, ...table]) out(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
}
