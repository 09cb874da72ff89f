import type { Redis } from 'ioredis';
import type { Logger } from '../../logger';
import type { SimMessage } from './store';

/**
 * The simulator's message log, kept across a restart of the sim role as a carrier keeps its own:
 * the phones' threads come back, and a lookup of a text whose final callback was lost still
 * answers. It lives in Redis under QUEUE_PREFIX rather than in a file under ./data: every role
 * already needs that Redis, so a simulator in its own container needs no volume; each change is
 * one append the moment it happens, so a killed process loses nothing a periodically rewritten
 * file would; and a deployment's (or a test's) prefix holds all of it.
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

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly logger: Logger,
  ) {}

  /** Appends the message as it is now. Commands on one connection run in order, so no batching is needed. */
  record(m: SimMessage): void {
    this.last = this.redis
      .xadd(this.key, 'MAXLEN', '~', MAX_ENTRIES, '*', 'm', JSON.stringify(m))
      .catch((err: Error) => this.logger.error({ err: err.message, sid: m.sid }, 'sim could not keep a message in its history; it is lost at the next restart'));
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
