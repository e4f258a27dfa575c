import type { Sql, TxSql } from "../client.ts";

/** What a company's charges sum to per billing period (its start date → cents). */
export async function loadChargedCents(q: Sql | TxSql, companyId: string): Promise<Map<string, number>> {
  const rows = await q<{ period_start: string; cents: number }[]>`
    select period_start::text as period_start, sum(amount_cents)::float8 as cents
    from charges where company_id = ${companyId} group by period_start`;
  return new Map(rows.map((r) => [r.period_start, r.cents]));
}

/**
 * The company's spend cap and charges, read under its spend lock (a transaction-level advisory lock):
 * two batches buying seats for one company in different offices (different seats rows) decide one
 * after the other, so together they never pass the cap. An admin changing the cap takes it too.
 */
export async function lockSpend(
  tx: TxSql,
  companyId: string,
): Promise<{ capCents: number | null; charged: Map<string, number> }> {
  await lockSpendOf(tx, companyId);
  const [row] = await tx<{ cap: number | null }[]>`
    select monthly_spend_cap_cents as cap from companies where id = ${companyId}`;
  return { capCents: row?.cap ?? null, charged: await loadChargedCents(tx, companyId) };
}

export async function lockSpendOf(tx: TxSql, companyId: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${`spend:${companyId}`}, 0))`;
}
