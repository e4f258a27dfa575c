import type { TxSql } from "@scimline/db";
import type { Office, OfficeHints, SeatCount } from "@scimline/domain";

/** A user as the reconciler sees it: desired state and what it holds, row-locked for the transaction. */
export type LockedUser = {
  id: string;
  companyId: string;
  deleted: boolean;
  desiredActive: boolean;
  generation: number;
  licenseTypeId: string;
  licenseAssignsDid: boolean;
  officeHints: OfficeHints;
  status: string;
  errorCode: string | null;
  officeId: string | null;
  matchedBy: string | null;
  matchedValue: string | null;
  seatLicenseTypeId: string | null;
  did: string | null;
  extension: number | null;
  didAllocations: number;
};

export type CompanyContext = {
  id: string;
  defaultAreaCode: string;
  billingDay: number;
  autoPurchaseLicenses: boolean;
  offices: Office[];
  seats: SeatCount[];
  prices: Map<string, number>;
};

/** Locks the users in id order (no deadlock between batches); ids already erased are simply absent. */
export async function lockUsers(tx: TxSql, ids: readonly string[]): Promise<LockedUser[]> {
  const rows = await tx<
    {
      id: string;
      company_id: string;
      deleted: boolean;
      active: boolean;
      generation: number;
      license_type_id: string;
      assigns_did: boolean;
      office_hints: OfficeHints;
      status: string;
      error_code: string | null;
      office_id: string | null;
      matched_by: string | null;
      matched_value: string | null;
      seat_license_type_id: string | null;
      did: string | null;
      extension: number | null;
      did_allocations: number;
    }[]
  >`
    select u.id, u.company_id, u.deleted_at is not null as deleted, u.active, u.generation, u.license_type_id,
           lt.assigns_did, u.office_hints, u.status, u.error_code, u.office_id, u.matched_by, u.matched_value,
           u.seat_license_type_id, u.did, u.extension, u.did_allocations
    from users u join license_types lt on lt.id = u.license_type_id
    where u.id = any(${tx.array([...ids])}::uuid[])
    order by u.id
    for update of u`;
  return rows.map((r) => ({
    id: r.id,
    companyId: r.company_id,
    deleted: r.deleted,
    desiredActive: r.active,
    generation: r.generation,
    licenseTypeId: r.license_type_id,
    licenseAssignsDid: r.assigns_did,
    officeHints: r.office_hints,
    status: r.status,
    errorCode: r.error_code,
    officeId: r.office_id,
    matchedBy: r.matched_by,
    matchedValue: r.matched_value,
    seatLicenseTypeId: r.seat_license_type_id,
    did: r.did,
    extension: r.extension,
    didAllocations: r.did_allocations,
  }));
}

type OfficeJson = { id: string; name: string; country: string; main: boolean; created_at: string };
type SeatJson = { office_id: string; license_type_id: string; purchased: number; used: number };

/** Offices, seats (unlocked: they only steer the office match) and prices, one round trip for all companies. */
export async function loadCompanies(tx: TxSql, companyIds: readonly string[]): Promise<Map<string, CompanyContext>> {
  const rows = await tx<
    {
      id: string;
      default_area_code: string;
      billing_day: number;
      auto_purchase_licenses: boolean;
      offices: OfficeJson[] | null;
      seats: SeatJson[] | null;
      prices: { id: string; monthly_price_cents: number }[] | null;
    }[]
  >`
    select c.id, c.default_area_code, c.billing_day, c.auto_purchase_licenses,
      (select json_agg(o) from (select id, name, country, main, created_at from offices where company_id = c.id) o) as offices,
      (select json_agg(s) from (select office_id, license_type_id, purchased, used from seats where company_id = c.id) s) as seats,
      (select json_agg(l) from (select id, monthly_price_cents from license_types where company_id = c.id) l) as prices
    from companies c where c.id = any(${tx.array([...companyIds])}::uuid[])`;
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        defaultAreaCode: r.default_area_code,
        billingDay: r.billing_day,
        autoPurchaseLicenses: r.auto_purchase_licenses,
        offices: (r.offices ?? []).map((o) => ({
          id: o.id,
          name: o.name,
          country: o.country,
          main: o.main,
          createdAt: new Date(o.created_at),
        })),
        seats: (r.seats ?? []).map((s) => ({
          officeId: s.office_id,
          licenseTypeId: s.license_type_id,
          purchased: s.purchased,
          used: s.used,
        })),
        prices: new Map((r.prices ?? []).map((p) => [p.id, p.monthly_price_cents])),
      },
    ]),
  );
}
