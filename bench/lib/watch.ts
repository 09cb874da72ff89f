import fs from 'node:fs';
import type { ServerChild } from './children';

/** Current resident set of a process in MB, from /proc (Linux); null when it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Samples each child's RSS every `everyMs` between mark() and read(): how much it grew over its
 * size at mark(). The children's own maxRSS (reported at stop) is their peak over the whole run,
 * seeding and start-up included; this is the growth during one phase.
 */
export function rssWatch(children: ServerChild[], everyMs = 200) {
  let before: Record<string, number | null> = {};
  let peak: Record<string, number> = {};
  const sample = () => {
    for (const c of children) {
      const v = rssMb(c.pid);
      if (v !== null) peak[c.name] = Math.max(peak[c.name] ?? 0, v);
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    mark() {
      before = Object.fromEntries(children.map((c) => [c.name, rssMb(c.pid)]));
      peak = {};
      sample();
    },
    read() {
      sample();
      return Object.fromEntries(
        children.map((c) => {
          const b = before[c.name] ?? null;
          const p = peak[c.name] ?? null;
          return [c.name, { beforeMb: b, peakMb: p, growthMb: b === null || p === null ? null : p - b }];
        }),
      );
    },
    stop: () => clearInterval(timer),
  };
}

/** The p-th percentile (0–100) of the values, nearest rank; null for none. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Segments per calendar second (epoch second → segments) of timed arrivals. */
export function perSecond(arrivals: { at: number; segments: number }[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const a of arrivals) out.set(Math.floor(a.at / 1000), (out.get(Math.floor(a.at / 1000)) ?? 0) + a.segments);
  return out;
}

/** The most segments in any window of `ms` (sliding, starting at an arrival). */
export function busiestWindow(arrivals: { at: number; segments: number }[], ms: number): number {
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  let best = 0;
  let sum = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    sum += sorted[i].segments;
    while (sorted[i].at - sorted[j].at >= ms) sum -= sorted[j++].segments;
    best = Math.max(best, sum);
  }
  return best;
}
