import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../config';
import { AppError } from '../errors';
import { openDatabase } from '../../db/client';
import { staffAdd, staffList, staffRevoke } from './staff';
import { demo } from './demo';

/**
 * `npm run cli -- <command>`. Staff and demo commands need only the database, never Redis, so
 * an admin can issue a token while the service is down.
 */

export const USAGE = `Usage: npm run cli -- <command>

  staff add --email E --role district_admin|school_admin|teacher [--school ID] [--name N]
                          create a staff account (or find the one with this email) and print
                          a new API token alone on the last line
  staff revoke --email E  revoke every API token of that account
  staff list              list staff accounts
  demo                    seed the demo school and families (safe to run twice)
`;

export class UsageError extends Error {}

type Out = (line: string) => void;

const COMMANDS: Record<string, { options: Record<string, { type: 'string' }>; run: (ctx: CommandContext) => Promise<void> }> = {
  'staff add': { options: { email: { type: 'string' }, role: { type: 'string' }, school: { type: 'string' }, name: { type: 'string' } }, run: staffAdd },
  'staff revoke': { options: { email: { type: 'string' } }, run: staffRevoke },
  'staff list': { options: {}, run: staffList },
  demo: { options: {}, run: demo },
};

export interface CommandContext {
  values: Record<string, string | undefined>;
  db: ReturnType<typeof openDatabase>['db'];
  config: ReturnType<typeof loadConfig>;
  out: Out;
}

function parse(argv: string[]): { name: string; values: Record<string, string | undefined> } {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [words.slice(0, 2).join(' '), words[0]].find((n) => n !== undefined && COMMANDS[n]);
  if (!name) throw new UsageError(argv.length ? `Unknown command: ${argv.join(' ')}` : 'No command given');
  const spec = COMMANDS[name];
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
    if (positionals.length !== name.split(' ').length) throw new UsageError(`Unexpected argument: ${positionals.slice(name.split(' ').length).join(' ')}`);
    return { name, values: values as Record<string, string | undefined> };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/** Runs one command; answers the process exit code (0 ok, 1 error, 2 usage). */
export async function runCli(argv: string[], out: Out = console.log, err: Out = console.error): Promise<number> {
  if (argv.length === 1 && ['help', '--help', '-h'].includes(argv[0])) {
    out(USAGE);
    return 0;
  }
  let db: ReturnType<typeof openDatabase> | null = null;
  try {
    const { name, values } = parse(argv);
    const config = loadConfig();
    db = openDatabase(config.databaseUrl);
    await COMMANDS[name].run({ values, db: db.db, config, out });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof AppError || e instanceof ConfigError) err(`Error: ${e.message}`);
    else err(`Error: ${e instanceof Error ? (process.env.LOG_LEVEL === 'debug' ? e.stack : e.message) : String(e)}`);
    return 1;
  } finally {
    db?.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
