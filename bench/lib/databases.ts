import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export type BenchDialect = 'sqlite' | 'postgres';

/** PostgreSQL the benchmarks may create databases on (BENCH_POSTGRES_URL). */
export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  /**
   * Row count and a hash of every column (ids, timestamps and all) of each table, read from
   * outside FamilyLine: two fingerprints differ only if some row did.
   */
  fingerprint(tables: string[]): Promise<Record<string, string>>;
  /** The MessageSid of every inbound text stored. */
  inboundSids(): Promise<Set<string>>;
  drop(): Promise<void>;
}

/** Tables without an id, in the order of their key. */
const KEYS: Record<string, string> = {
  class_teachers: 'class_id, staff_id',
  enrollments: 'class_id, student_id',
  student_guardians: 'student_id, guardian_id',
};

function hashRows(columns: string[], rows: Iterable<unknown[]>, out: Record<string, string>, table: string): void {
  const hashes = columns.map(() => crypto.createHash('sha1'));
  let n = 0;
  for (const row of rows) {
    n++;
    row.forEach((v, i) => hashes[i].update(`${JSON.stringify(v)}\n`));
  }
  // Per column, so a change names the columns it touched.
  columns.forEach((c, i) => (out[`${table}.${c}`] = hashes[i].digest('hex').slice(0, 12)));
  out[table] = String(n);
}

/** A new, empty database of the dialect: a SQLite file in `dir`, or a database of its own on BENCH_POSTGRES_URL. */
export async function createBenchDatabase(dialect: BenchDialect, dir: string, label: string): Promise<BenchDatabase> {
  if (dialect === 'sqlite') {
    const file = path.join(dir, `${label}.db`);
    return {
      url: `file:${file}`,
      async fingerprint(tables) {
        const db = new Database(file, { readonly: true });
        try {
          const out: Record<string, string> = {};
          for (const t of tables) {
            const stmt = db.prepare(`select * from "${t}" order by ${KEYS[t] ?? 'id'}`).raw();
            hashRows(stmt.columns().map((c) => c.name), stmt.iterate() as Iterable<unknown[]>, out, t);
          }
          return out;
        } finally {
          db.close();
        }
      },
      async inboundSids() {
        const db = new Database(file, { readonly: true });
        try {
          return new Set((db.prepare(`select provider_sid as sid from messages where direction = 'inbound'`).all() as { sid: string }[]).map((r) => r.sid));
        } finally {
          db.close();
        }
      },
      async drop() {
        // The workspace folder goes with the run.
      },
    };
  }
  const name = `flbench_${label.replace(/\W/g, '_')}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`.toLowerCase();
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  const at = (connectionString: string) => async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const admin = at(BENCH_POSTGRES_URL);
  const connected = at(url.toString());
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: url.toString(),
    fingerprint: (tables) =>
      connected(async (c) => {
        const out: Record<string, string> = {};
        for (const t of tables) {
          const r = await c.query({ text: `select * from "${t}" order by ${KEYS[t] ?? 'id'}`, rowMode: 'array' });
          hashRows(r.fields.map((f) => f.name), r.rows as unknown[][], out, t);
        }
        return out;
      }),
    inboundSids: () =>
      connected(async (c) => new Set((await c.query<{ sid: string }>(`select provider_sid as sid from messages where direction = 'inbound'`)).rows.map((r) => r.sid))),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
