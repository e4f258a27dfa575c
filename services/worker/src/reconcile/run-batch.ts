import { reconcileUsers, type Sql } from "@scimline/db";
import type { GiveUp, Outcome as PlanOutcome } from "@scimline/domain";

/** What a job learns of its user: the plan's outcome, or `gone` when the user no longer exists. */
export type Outcome = PlanOutcome | { type: "gone" };

/**
 * Brings a batch of users to their desired state in ONE transaction: a rerun finds the steps
 * already recorded and owes nothing, a crash rolls all back. The decision is the pure plan of
 * `@scimline/domain`; `reconcileUsers` loads, claims, plans and applies it.
 */
export async function reconcileBatch(
  sql: Sql,
  userIds: readonly string[],
  today: string,
  options: {
    /** Users whose job failed for good: recorded as `failed` with the code (same rules as any reconcile). */
    giveUp?: ReadonlyMap<string, GiveUp>;
    /** Fault injection for tests: runs after every write, before COMMIT. */
    beforeCommit?: () => void | Promise<void>;
  } = {},
): Promise<Map<string, Outcome>> {
  return sql.begin(async (tx) => {
    const plan = await reconcileUsers(tx, userIds, { today, ...(options.giveUp ? { giveUp: options.giveUp } : {}) });
    await options.beforeCommit?.();
    const outcomes = new Map<string, Outcome>(userIds.map((id) => [id, { type: "gone" }]));
    for (const user of plan.users) outcomes.set(user.userId, user.outcome);
    return outcomes;
  });
}
