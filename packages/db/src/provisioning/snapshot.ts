import type { LicenseType, PlanCompany, PlanResources } from "@scimline/domain";
import type { Sql } from "../client.ts";
import { loadCompanies } from "./load.ts";
import { loadChargedCents } from "./spend.ts";

/** A company's provisioning state as a plan of new users would claim it, read without locking anything. */
export type PlanSnapshot = {
  company: PlanCompany;
  /** The catalogue oldest first, as the door reads it (its first entry is the fallback default). */
  licenseTypes: LicenseType[];
  /** Everything a batch of `users` new users could claim: free numbers, the lowest free extensions, seats. */
  resources: PlanResources;
  /**
   * Each asked userName (as given) with its key as the database compares them (lower-cased by Postgres, as
   * the unique index is) and whether a live user of the company already holds it.
   */
  userNames: Map<string, { key: string; taken: boolean }>;
};

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One consistent read (a read-only REPEATABLE READ transaction) of what the worker's claims would see
 * for `users` new users: per office and unbound, the lowest free numbers (no user takes more than one),
 * the lowest free extensions, every seat count. Null when the company does not exist.
 */
export function loadPlanSnapshot(
  sql: Sql,
  companyId: string,
  asked: { users: number; userNames: readonly string[] },
): Promise<PlanSnapshot | null> {
  return sql.begin("isolation level repeatable read read only", async (tx) => {
    const company = (await loadCompanies(tx, [companyId])).get(companyId);
    if (!company) return null;
    const k = Math.max(0, asked.users);
    // A company with a spend cap: what this period's charges already sum to (the plan refuses beyond it).
    const charged = company.monthlySpendCapCents != null ? await loadChargedCents(tx, companyId) : null;
    const [licenses, numbers, extensions, taken] = await Promise.all([
      tx<{ id: string; name: string; monthly_price_cents: number; assigns_did: boolean }[]>`
        select id, name, monthly_price_cents, assigns_did from license_types
        where company_id = ${companyId} order by created_at, name`,
      tx<{ e164: string; office_id: string | null }[]>`
        select e164, office_id from (
          select e164, office_id,
            row_number() over (partition by office_id order by e164 collate "C") as k
          from numbers where company_id = ${companyId} and assigned_user_id is null
        ) free where k <= ${k}`,
      tx<{ extension: number }[]>`
        select extension from extension_pool
        where company_id = ${companyId} and user_id is null
        order by extension limit ${k}`,
      tx<{ name: string; key: string; taken: boolean }[]>`
        select a.name, lower(a.name) as key, exists (
          select 1 from users u
          where u.company_id = ${companyId} and u.deleted_at is null and lower(u.user_name) = lower(a.name)
        ) as taken
        from unnest(${tx.array([...new Set(asked.userNames)])}::text[]) as a(name)`,
    ]);
    const byOffice = new Map<string, string[]>();
    const unbound: string[] = [];
    for (const n of numbers) {
      if (n.office_id === null) unbound.push(n.e164);
      else {
        const list = byOffice.get(n.office_id);
        if (list) list.push(n.e164);
        else byOffice.set(n.office_id, [n.e164]);
      }
    }
    for (const list of byOffice.values()) list.sort(byCode);
    unbound.sort(byCode);
    return {
      company,
      licenseTypes: licenses.map((l) => ({
        id: l.id,
        name: l.name,
        monthlyPriceCents: l.monthly_price_cents,
        assignsDid: l.assigns_did,
      })),
      resources: {
        numbers: { byOffice, unbound },
        extensions: extensions.map((e) => e.extension),
        seats: company.seats,
        carrierOrders: new Map(),
        ...(charged ? { chargedCents: charged } : {}),
      },
      userNames: new Map(taken.map((t) => [t.name, { key: t.key, taken: t.taken }])),
    };
  });
}
