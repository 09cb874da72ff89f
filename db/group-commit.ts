import { isDatabaseBusy, type Db } from './client';
import { prepared } from './prepared';

const MAX_BATCH = 200;

/**
 * Writes that arrive in the same turn of the event loop share one transaction, so a burst of
 * webhooks pays for one commit instead of one each. Each write still runs in order and each
 * caller hears back only after the commit that holds its write. If the shared transaction
 * fails, each write is retried alone, so one bad write fails only its own caller; when it
 * failed because the database is busy, every caller hears so at once.
 */
export function groupCommit<I, O>(db: Db, key: string, write: (input: I) => O): (input: I) => Promise<O> {
  return prepared(db, `group-commit:${key}`, () => {
    let pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
    const alone = (input: I) => db.transaction(() => write(input), { behavior: 'immediate' });
    const flush = () => {
      const batch = pending;
      pending = [];
      let results: O[];
      try {
        results = db.transaction(() => batch.map((b) => write(b.input)), { behavior: 'immediate' });
      } catch (err) {
        // Another connection holds the write lock: every write would wait for it again, alone.
        if (isDatabaseBusy(err)) {
          for (const b of batch) b.reject(err);
          return;
        }
        // The error belongs to one of the writes: each retries alone and its own caller hears of it.
        for (const b of batch) {
          try {
            b.resolve(alone(b.input));
          } catch (err) {
            b.reject(err);
          }
        }
        return;
      }
      batch.forEach((b, i) => b.resolve(results[i]));
    };
    return (input: I) =>
      new Promise<O>((resolve, reject) => {
        pending.push({ input, resolve, reject });
        if (pending.length === 1) setImmediate(flush);
        else if (pending.length >= MAX_BATCH) flush();
      });
  });
}
