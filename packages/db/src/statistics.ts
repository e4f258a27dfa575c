import type { Sql } from "./client.ts";

/** The pools the worker claims from in index order (`claimResources`). */
export type PoolTable = "extension_pool" | "numbers";

/** Rows a change must touch before the planner's statistics are refreshed at once. */
export const ANALYZE_MIN_ROWS = 100;

/**
 * Refreshes the planner's statistics of a pool after a bulk change (a company's 100,000 extensions,
 * a number import), run after the change commits. With statistics that still say the company has no
 * rows, Postgres claims a batch's extensions by reading and sorting the whole free list (~25 ms a batch
 * at 100,000) instead of walking the free-list index to the first few (under 1 ms), and autovacuum's
 * analyze comes only minutes later, after an onboarding burst is over
 * (docs/decisions/0003-claims-with-skip-locked.md). ANALYZE samples a bounded number of rows, so its
 * cost does not grow with the table. A change of fewer than `ANALYZE_MIN_ROWS` rows is left to
 * autovacuum: sorting that few rows costs nothing, and an import of one number need not sample the
 * whole table. Best effort: the change has committed, and autovacuum refreshes
 * the statistics later anyway, so a failure here must not fail the admin's request.
 */
export async function refreshPoolStatistics(sql: Sql, table: PoolTable, changedRows: number): Promise<void> {
  if (changedRows < ANALYZE_MIN_ROWS) return;
  try {
    await sql`analyze ${sql(table)}`;
  } catch {
    // Best effort (above): the planner keeps the statistics it had until autovacuum's analyze.
  }
}
