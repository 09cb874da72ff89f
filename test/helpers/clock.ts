import type { Clock } from '../../src/lib/clock';

/** A clock a test sets and moves by hand. */
export class TestClock implements Clock {
  private ms: number;
  constructor(start: string | number = '2026-11-18T15:00:00Z') {
    this.ms = typeof start === 'number' ? start : Date.parse(start);
  }
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
