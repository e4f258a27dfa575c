import { setImmediate as nextTurn } from "node:timers/promises";

/** How long one synchronous stretch of a preview may hold the event loop before it lets others run. */
export const SLICE_MS = 5;

/**
 * A clock for cooperative work on the event loop: `pause()` yields to pending I/O (other tenants'
 * requests) once the current stretch has run `sliceMs`, and costs a clock read otherwise.
 */
export class Slicer {
  private started = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  async pause(): Promise<void> {
    if (performance.now() - this.started < this.sliceMs) return;
    await nextTurn();
    this.started = performance.now();
  }
}

/** `fn` over every item, in order, yielding between stretches. */
export async function mapInSlices<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => R,
  slicer: Slicer,
): Promise<R[]> {
  const out: R[] = [];
  for (const [i, item] of items.entries()) {
    out.push(fn(item, i));
    if (i % 16 === 15) await slicer.pause();
  }
  return out;
}
