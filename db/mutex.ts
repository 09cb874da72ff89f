/** First come, first served: one holder at a time, the rest wait without blocking the event loop. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** True when nobody holds it or waits for it: a synchronous piece of work may run at once. */
  get idle(): boolean {
    return this.waiting === 0;
  }

  async runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    this.waiting++;
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    try {
      await previous;
      return await fn();
    } finally {
      this.waiting--;
      release();
    }
  }
}
