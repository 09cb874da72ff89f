import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from '../config';
import { AppError } from '../errors';
import { openDatabase, type Db, type OpenedDatabase } from '../../db/client';
import { STAFF_ADD_OPTIONS, staffAdd, staffList, staffRevoke } from './staff';
import { demo } from './demo';
import { rosterImport } from './roster';
import { progressImport } from './progress';
import { NUDGES_PREVIEW_OPTIONS, NUDGES_RUN_OPTIONS, nudgesPreview, nudgesRun } from './nudges';
import { UsageError } from './usage';

/**
 * `npm run cli -- <command>`. Staff and demo commands need only the database, never Redis, so
 * an admin can issue a token while the service is down.
 */

export const USAGE = `Usage: npm run cli -- <command>

  staff add --email E --role district_admin|school_admin|teacher [--school ID] [--name N] [--phone +1555…] [--password]
                          create a staff account (or find the one with this email) and print
                          a new API token alone on the last line
  staff revoke --email E  revoke every API token of that account
  staff list              list staff accounts
  demo                    seed the demo school, families and a class; prints the console sign-in (safe to run twice)
  roster import <path> [--format oneroster|flat] [--school ID] [--timezone TZ] [--from NUMBER]
                       [--dry-run] [--no-welcome]
                          sync a OneRoster folder or .zip, or a flat .csv, and print the report
  progress import <path> [--school ID]
                          store progress records from a CSV student_id,week,kind,value (student_id:
                          the roster's id); prints counts and each rejected row (safe to run twice)
  nudges preview [--family ID] [--at ISO-DATETIME]
                          what each family would receive as its weekend nudge at that moment (default
                          now): text, language, segments, recipients; for the others, why nothing
  nudges run --at ISO-DATETIME
                          run one weekend-nudge tick as if it were that time (needs Redis; the worker
                          role sends the texts)
`;

export { UsageError };

type Out = (line: string) => void;

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

const COMMANDS: Record<string, { options: OptionSpec; positionals?: number; run: (ctx: CommandContext) => Promise<void> }> = {
  'staff add': { options: STAFF_ADD_OPTIONS, run: staffAdd },
  'staff revoke': { options: { email: { type: 'string' } }, run: staffRevoke },
  'staff list': { options: {}, run: staffList },
  demo: { options: {}, run: demo },
  'roster import': {
    options: {
      format: { type: 'string' },
      school: { type: 'string' },
      timezone: { type: 'string' },
      from: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'no-welcome': { type: 'boolean' },
    },
    positionals: 1,
    run: rosterImport,
  },
  'progress import': { options: { school: { type: 'string' } }, positionals: 1, run: progressImport },
  'nudges preview': { options: NUDGES_PREVIEW_OPTIONS, run: nudgesPreview },
  'nudges run': { options: NUDGES_RUN_OPTIONS, run: nudgesRun },
};

export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  /** Arguments after the command words (a path, for roster import). */
  positionals: string[];
  db: Db;
  config: ReturnType<typeof loadConfig>;
  out: Out;
}

function parse(argv: string[]): { name: string; values: CommandContext['values']; positionals: string[] } {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [words.slice(0, 2).join(' '), words[0]].find((n) => n !== undefined && COMMANDS[n]);
  if (!name) throw new UsageError(argv.length ? `Unknown command: ${argv.join(' ')}` : 'No command given');
  const spec = COMMANDS[name];
  try {
    const { values, positionals } = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
    const words = name.split(' ').length;
    const extra = positionals.slice(words);
    if (extra.length > (spec.positionals ?? 0)) throw new UsageError(`Unexpected argument: ${extra.slice(spec.positionals ?? 0).join(' ')}`);
    return { name, values, positionals: extra };
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
  let db: OpenedDatabase | null = null;
  try {
    const { name, values, positionals } = parse(argv);
    const config = loadConfig();
    db = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
    await COMMANDS[name].run({ values, positionals, db: db.db, config, out });
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
    await db?.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
