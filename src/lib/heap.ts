import v8 from 'node:v8';

/**
 * How far (percent) V8 lets a long-running role's heap grow past what it kept alive at its last
 * full collection. V8's own factor rises towards 4× when a process allocates fast: a worker
 * sending a 20,000-family broadcast kept about 51 MB alive (heap snapshots 50 s apart: 53 and
 * 51 MB, nothing accumulating) while its resident memory rose by 160 MB, all of it garbage waiting
 * for a collection; web and simulator alike. At 1.5× the same run grew the worker by 36 MB (web
 * 26, simulator 79) at the same messages/s, within the benchmark's noise (`npm run bench --
 * broadcast`), so a district's small server keeps its memory for its database.
 */
const HEAP_GROWING_PERCENT = 50;

/** V8 reads the factor at each full collection, so setting it once the process runs takes effect. */
export function keepHeapLean(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
