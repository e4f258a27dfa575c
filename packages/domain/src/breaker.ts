/**
 * The mass-deactivation breaker (a company setting, off by default): SCIM deactivations and deletes
 * are counted in a sliding window; the ones beyond `threshold` within `windowSeconds` are accepted
 * but held for an admin. Held ones count too, so a flood keeps being held until it pauses for a window.
 */
export type DeactivationBreaker = { threshold: number; windowSeconds: number };

export const BREAKER_LIMITS = { maxThreshold: 1_000_000, maxWindowSeconds: 30 * 86_400 } as const;

/** The start of the window ending at `now` (exclusive): a change counts when it came strictly after it. */
export function breakerWindowStart(breaker: DeactivationBreaker, now: Date): Date {
  return new Date(now.getTime() - breaker.windowSeconds * 1000);
}

/**
 * Whether this change is held, given how many SCIM deactivations and deletes of the company were
 * counted within the window before it: the (threshold + 1)-th and later are held.
 */
export function breakerHolds(breaker: DeactivationBreaker | null, countedBefore: number): boolean {
  if (breaker === null) return false;
  return countedBefore >= breaker.threshold;
}
