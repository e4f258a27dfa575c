import { setFlagsFromString } from "node:v8";

/** Flags that size or pace V8's heap: when the operator set one, the service leaves the heap to them. */
const HEAP_FLAGS = /--(max-old-space-size|max-semi-space-size|heap-growing-percent|max-heap-size)\b/;

export type HeapPacing = { heapGrowingPercent: number | null; reason: string };

/**
 * Paces the API's heap growth so its resident memory stays bounded at default settings.
 *
 * Under a burst of creates V8 grows the old generation by its default factor (up to 2× the live
 * size) before collecting, and the process's RSS follows: 230–250 MB at the end of a 10,000-user
 * burst on the benchmark machine although the live heap is far smaller. A smaller growing factor
 * makes V8 collect the old generation sooner; the measured cost in CPU is within the noise of the
 * benchmark (README "Performance").
 *
 * `percent` 0 leaves V8's own policy. An operator who sizes the heap (`--max-old-space-size` and
 * friends, on the command line or in NODE_OPTIONS) keeps exactly what they chose.
 */
export function paceHeap(
  percent: number,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
  apply: (flags: string) => void = setFlagsFromString,
): HeapPacing {
  if (percent === 0) return { heapGrowingPercent: null, reason: "API_HEAP_GROWING_PERCENT=0: V8's own policy" };
  if (execArgv.some((arg) => HEAP_FLAGS.test(arg)) || HEAP_FLAGS.test(nodeOptions)) {
    return { heapGrowingPercent: null, reason: "the heap is sized by node's own flags" };
  }
  apply(`--heap-growing-percent=${percent}`);
  return { heapGrowingPercent: percent, reason: "API_HEAP_GROWING_PERCENT" };
}
