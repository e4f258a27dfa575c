/** Prints how many `label` took how long (median and slowest, ms) and returns the slowest. */
export function reportTimings(tag: string, label: string, timings: readonly number[]): number {
  const sorted = [...timings].sort((a, b) => a - b);
  const slowest = sorted.at(-1) ?? 0;
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(`[${tag}] ${sorted.length} ${label}, median ${median.toFixed(1)} ms, slowest ${slowest.toFixed(1)} ms`);
  return slowest;
}
