import { systemClock, isoNow } from '../lib/clock';
import { AppError } from '../errors';
import { addStaffWithToken, listStaff, revokeStaffTokens } from '../staff/accounts';
import { MIN_PASSWORD_LENGTH, checkPassword } from '../staff/passwords';
import type { CommandContext } from './main';

/** parseArgs options of `staff add` (src/cli/main.ts registers them): --password is a flag, never a value, so it stays out of shell history. */
export const STAFF_ADD_OPTIONS = {
  email: { type: 'string' },
  role: { type: 'string' },
  school: { type: 'string' },
  name: { type: 'string' },
  phone: { type: 'string' },
  password: { type: 'boolean' },
} as const;

type Values = Record<string, string | boolean | undefined>;

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

function required(values: Values, name: string): string {
  const v = text(values, name);
  if (!v) throw AppError.validation({ [name]: 'is required' }, `--${name} is required`);
  return v;
}

/** Where a password comes from: a prompt without echo on a terminal, else the first line of stdin (so scripts and tests can pipe it). */
export type StdinLike = NodeJS.ReadStream | NodeJS.ReadableStream;

function firstLine(input: StdinLike): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = (err: Error | null, line: string | null) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      // A paused pipe still holds the event loop open; the caller may keep writing to it.
      if ('unref' in input && typeof input.unref === 'function') input.unref();
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: string | Buffer) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(null, buf.slice(0, nl).replace(/\r$/, ''));
      else if (buf.length > 4096) finish(AppError.validation({ password: 'too long' }, 'The password line on stdin is too long'), null);
    };
    const onEnd = () => finish(null, buf.length ? buf.replace(/\r$/, '') : null);
    const onError = (err: Error) => finish(err, null);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** Reads one line from the terminal without echoing it. Ctrl-C or Ctrl-D cancels. */
function hiddenLine(input: NodeJS.ReadStream, prompt: string): Promise<string> {
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (err: Error | null) => {
      input.removeListener('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003' || ch === '\u0004') return finish(new AppError(400, 'cancelled', 'Cancelled: no password set'));
        if (ch === '\u007f' || ch === '\b') line = [...line].slice(0, -1).join('');
        else if (ch >= ' ') line += ch;
      }
    };
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
}

export async function readPassword(input: StdinLike = process.stdin): Promise<string> {
  if ('isTTY' in input && input.isTTY && 'setRawMode' in input) {
    const password = await hiddenLine(input, `Password (at least ${MIN_PASSWORD_LENGTH} characters): `);
    checkPassword(password);
    if ((await hiddenLine(input, 'Repeat the password: ')) !== password) {
      throw AppError.validation({ password: 'does not match' }, 'The passwords do not match; nothing was changed');
    }
    return password;
  }
  const line = await firstLine(input);
  if (line === null) throw AppError.validation({ password: 'is required' }, '--password: no password line on standard input');
  return line;
}

function schoolId(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw AppError.validation({ school: 'not an id' }, `--school must be a school id (a number), got "${raw}"`);
  return Number(raw);
}

export async function staffAdd(ctx: CommandContext & { stdin?: StdinLike }): Promise<void> {
  const { db, out } = ctx;
  const values = ctx.values as Values;
  const email = required(values, 'email');
  // Read before touching the database, so a mistyped password changes nothing.
  const password = values.password === true || values.password === 'true' ? await readPassword(ctx.stdin) : undefined;
  const r = await addStaffWithToken(
    db,
    { email, role: text(values, 'role'), schoolId: schoolId(text(values, 'school')), name: text(values, 'name'), phone: text(values, 'phone'), password },
    isoNow(systemClock),
  );
  const s = r.staff;
  const what = r.created ? 'Created' : r.changes.length ? `Updated (${r.changes.join(', ')})` : 'Found';
  out(`${what} staff #${s.id} ${s.email} (${s.role}${s.schoolId ? `, school ${s.schoolId}` : ''}).`);
  if (password !== undefined) out('Console password set (stored as an argon2id hash).');
  out('New API token (shown once; send it as "Authorization: Bearer <token>"):');
  out(r.token);
}

export async function staffRevoke({ values, db, out }: CommandContext): Promise<void> {
  const r = await revokeStaffTokens(db, required(values as Values, 'email'), isoNow(systemClock));
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
    s.passwordHash ? 'set' : '-',
  ]);
  const header = ['id', 'email', 'role', 'school', 'status', 'tokens', 'password'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  for (const row of [header, ...table]) out(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
}
