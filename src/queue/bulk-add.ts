import type { JobsOptions, Queue } from 'bullmq';

interface Pending {
  job: { name: string; data: unknown; opts: JobsOptions };
  resolve: () => void;
  reject: (err: unknown) => void;
}
const batches = new WeakMap<Queue, Pending[]>();

/**
 * Adds a job together with the others added to the same queue in this turn of the event loop:
 * one addBulk (one round trip to Redis) for a burst of webhooks' or sends' jobs instead of one
 * each. Each caller hears back once Redis has its job; a failed round trip fails each of them.
 */
export function addWithOthers<D>(queue: Queue<D>, name: string, data: D, opts: JobsOptions): Promise<void> {
  const q = queue as unknown as Queue;
  return new Promise<void>((resolve, reject) => {
    let batch = batches.get(q);
    if (!batch) {
      batches.set(q, (batch = []));
      setImmediate(() => {
        const jobs = batches.get(q)!;
        batches.delete(q);
        q.addBulk(jobs.map((p) => p.job)).then(
          () => jobs.forEach((p) => p.resolve()),
          (err: unknown) => jobs.forEach((p) => p.reject(err)),
        );
      });
    }
    batch.push({ job: { name, data, opts }, resolve, reject });
  });
}
