import type { Sql, TxSql } from "@scimline/db";
import { breakerHolds, breakerWindowStart } from "@scimline/domain";
import type { AppDeps } from "../../deps.ts";
import type { CompanyContext } from "../../tenancy.ts";

/** The write found the row changed meanwhile: the transaction (and the count) is rolled back. */
class NotApplied extends Error {}

/** A write of a deactivation or delete: applied or held as told; false when the row changed meanwhile. */
export type GatedWrite = (q: Sql | TxSql, held: boolean) => Promise<boolean>;

/**
 * A SCIM deactivation or delete through the company's breaker. Off: the write, as always. On: under a
 * per-company transaction lock, the changes counted within the window are counted (older rows pruned)
 * and this one recorded, then the write applies or holds it, in the same transaction, so concurrent
 * requests on any API process count exactly and a write that misses its row does not count
 * (docs/decisions/0011-directories-master-adoption-breaker.md).
 */
export async function throughBreaker(
  deps: Pick<AppDeps, "database" | "clock">,
  company: CompanyContext,
  write: GatedWrite,
): Promise<{ applied: boolean; held: boolean }> {
  const breaker = company.deactivationBreaker;
  if (!breaker) return { applied: await write(deps.database.sql, false), held: false };
  const now = deps.clock();
  const at = now.toISOString();
  const start = breakerWindowStart(breaker, now).toISOString();
  try {
    return await deps.database.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(${`breaker:${company.id}`}, 0))`;
      const [row] = await tx<{ n: number }[]>`
        with pruned as (delete from breaker_events where company_id = ${company.id} and at <= ${start}::timestamptz),
        counted as (insert into breaker_events (company_id, at) values (${company.id}, ${at}::timestamptz))
        select count(*)::int as n from breaker_events where company_id = ${company.id} and at > ${start}::timestamptz`;
      const held = breakerHolds(breaker, row?.n ?? 0);
      if (!(await write(tx, held))) throw new NotApplied();
      return { applied: true, held };
    });
  } catch (error) {
    if (error instanceof NotApplied) return { applied: false, held: false };
    throw error;
  }
}
