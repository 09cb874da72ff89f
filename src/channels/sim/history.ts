import type { Redis } from 'ioredis';
import type { Logger } from '../../logger';
import type { SimMessage } from './store';

/**
 * The simulator's message log, kept across a restart of the sim role as a carrier keeps its own:
 * the phones' threads come back, and a lookup of a text whose final callback was lost still
 * answers. It lives in Redis under QUEUE_PREFIX rather than in a file under ./data: every role
 * already needs that Redis, so a simulator in its own container needs no volume; each change is
 * appended within its turn of the event loop, so a killed process loses nothing a periodically
 * rewritten file would; and a deployment's (or a test's) prefix holds all of it.
 *
 * One stream of message snapshots, each change appended whole: replaying it, the last snapshot
 * of each sid wins. The stream is capped, so the log is bounded whatever a benchmark sends;
 * the oldest texts are forgotten first, as the in-memory store forgets them.
 */

// About 3 snapshots a text (queued, sent, final): the last few thousand texts survive a restart.
const MAX_ENTRIES = 20_000;
const PAGE = 1_000;

export class SimHistory {
  private last: Promise<unknown> = Promise.resolve();
  /** Snapshots recorded in this turn of the event loop, not yet written. */
  private pending: string[] | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Appends the message as it is now. The snapshots of one turn of the event loop go to Redis in
   * one pipeline (one write for a burst of sends and callbacks, not one each), in the order they
   * were recorded.
   */
  record(m: SimMessage): void {
    const snapshot = JSON.stringify(m);
    if (this.pending) return void this.pending.push(snapshot);
    const batch = (this.pending = [snapshot]);
    this.last = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        this.pending = null;
        const pipeline = this.redis.pipeline();
        for (const entry of batch) pipeline.xadd(this.key, 'MAXLEN', '~', MAX_ENTRIES, '*', 'm', entry);
        return pipeline.exec();
      })
      .then((results) => {
        const failed = results?.find(([err]) => err)?.[0];
        if (failed) throw failed;
      })
      .catch((err: Error) => this.logger.error({ err: err.message, messages: batch.length }, 'sim could not keep messages in its history; they are lost at the next restart'));
  }

  /** Every kept message, its latest snapshot, in the order the simulator first saw them. */
  async load(): Promise<SimMessage[]> {
    const bySid = new Map<string, SimMessage>();
    for (let start = '-'; ; ) {
      const page = await this.redis.xrange(this.key, start, '+', 'COUNT', PAGE);
      for (const [, fields] of page) {
        const m = JSON.parse(fields[1]) as SimMessage;
        bySid.set(m.sid, m);
      }
      if (page.length < PAGE) break;
      start = `(${page[page.length - 1][0]}`;
    }
    return [...bySid.values()];
  }

  /** Resolves once every change recorded so far is in Redis. */
  async flush(): Promise<void> {
    await this.last;
  }
}
