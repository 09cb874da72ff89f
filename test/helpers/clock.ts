import type { Clock } from '../../src/lib/clock';

/** A clock a test sets and moves by hand. */
export class TestClock implements Clock {
  constructor(private ms: number = Date.parse('2026-11-18T15:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
