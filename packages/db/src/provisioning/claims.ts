import type { SeatCount } from "@scimline/domain";
import type { TxSql } from "../client.ts";

export type ClaimedResources = {
  numbers: { byOffice: Map<string, string[]>; unbound: string[] };
  extensions: number[];
};

/**
 * Free numbers and extensions for a company's requests, locked with SKIP LOCKED so concurrent
 * batches never wait on or share one, in one round trip: per office its own lowest k numbers, then
 * just enough unbound ones for what the office pools could not cover, and the n lowest free extensions.
 * The numbers' ORDER BY matches the partial index numbers_free (e164 COLLATE "C"), which alone can
 * serve it however many numbers are assigned (docs/decisions/0003-claims-with-skip-locked.md).
 */
export async function claimResources(
  tx: TxSql,
  companyId: string,
  perOffice: ReadonlyMap<string, number>,
  extensions: number,
): Promise<ClaimedResources> {
  const officeIds = [...perOffice.keys()];
  const counts = officeIds.map((id) => perOffice.get(id) ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  const byOffice = new Map<string, string[]>();
  const unbound: string[] = [];
  const claimedExtensions: number[] = [];
  if (total === 0 && extensions === 0) return { numbers: { byOffice, unbound }, extensions: claimedExtensions };
  const rows = await tx<{ e164: string | null; office_id: string | null; extension: number | null }[]>`
    with wanted as (
      select * from unnest(${tx.array(officeIds)}::uuid[], ${tx.array(counts)}::int[]) as w(office_id, k)
    ), own as (
      select n.e164, n.office_id from wanted w
      cross join lateral (
        select e164, office_id from numbers
        where company_id = ${companyId} and office_id = w.office_id and assigned_user_id is null
        order by e164 collate "C" limit w.k
        for update skip locked
      ) n
    ), unbound as (
      select e164, office_id from numbers
      where company_id = ${companyId} and office_id is null and assigned_user_id is null
      order by e164 collate "C"
      limit greatest(0, ${total}::int - (select count(*) from own))
      for update skip locked
    ), ext as (
      select extension from extension_pool
      where company_id = ${companyId} and user_id is null
      order by extension limit ${extensions}::int
      for update skip locked
    )
    select e164, office_id, null::int as extension from own
    union all select e164, office_id, null from unbound
    union all select null, null, extension from ext`;
  for (const row of rows) {
    if (row.extension !== null) claimedExtensions.push(row.extension);
    else if (row.e164 === null) continue;
    else if (row.office_id === null) unbound.push(row.e164);
    else byOffice.set(row.office_id, [...(byOffice.get(row.office_id) ?? []), row.e164]);
  }
  const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const list of byOffice.values()) list.sort(byCode);
  unbound.sort(byCode);
  claimedExtensions.sort((a, b) => a - b);
  return { numbers: { byOffice, unbound }, extensions: claimedExtensions };
}

const seatKey = (s: { officeId: string; licenseTypeId: string }) => `${s.officeId}/${s.licenseTypeId}`;

/**
 * Locks the hot seats rows in a fixed order (no deadlocks between batches) and returns their fresh
 * counts. A row missing for a license type added after the office was created starts at zero.
 */
export async function lockSeats(
  tx: TxSql,
  companyId: string,
  pairs: ReadonlyArray<{ officeId: string; licenseTypeId: string }>,
): Promise<SeatCount[]> {
  if (pairs.length === 0) return [];
  const sorted = [...pairs].sort((a, b) => seatKey(a).localeCompare(seatKey(b)));
  const offices = tx.array(sorted.map((p) => p.officeId));
  const types = tx.array(sorted.map((p) => p.licenseTypeId));
  const select = () => tx<{ office_id: string; license_type_id: string; purchased: number; used: number }[]>`
    select s.office_id, s.license_type_id, s.purchased, s.used
    from seats s join unnest(${offices}::uuid[], ${types}::uuid[]) as p(office_id, license_type_id)
      on s.office_id = p.office_id and s.license_type_id = p.license_type_id
    order by s.office_id, s.license_type_id
    for update of s`;
  let rows = await select();
  if (rows.length < sorted.length) {
    await tx`
      insert into seats (office_id, license_type_id, company_id, purchased, used)
      select p.office_id, p.license_type_id, ${companyId}, 0, 0 from unnest(${offices}::uuid[], ${types}::uuid[]) as p(office_id, license_type_id)
      on conflict do nothing`;
    rows = await select();
  }
  return rows.map((r) => ({
    officeId: r.office_id,
    licenseTypeId: r.license_type_id,
    purchased: r.purchased,
    used: r.used,
  }));
}
