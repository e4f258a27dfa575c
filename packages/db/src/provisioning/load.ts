import {
  type CarrierOrderState,
  foldGroupName,
  type GroupRule,
  type LicenseType,
  type OfficeHints,
  type PlanCompany,
  type PlanUser,
  type UserGroup,
  type UserStatus,
} from "@scimline/domain";
import type { TxSql } from "../client.ts";
import { desiredActive, desiredDeleted } from "../desired-state.ts";
import { foldedGroupName } from "../group-names.ts";

type UserRow = {
  id: string;
  company_id: string;
  generation: number;
  applied_generation: number;
  deleted: boolean;
  active: boolean;
  license_type_id: string;
  office_hints: OfficeHints;
  status: UserStatus;
  error_code: string | null;
  office_id: string | null;
  matched_by: string | null;
  matched_value: string | null;
  seat_license_type_id: string | null;
  did: string | null;
  extension: number | null;
  did_allocations: number;
  matched_rule_id: string | null;
  pinned: boolean;
  license_explicit: boolean;
  hold_until: Date | null;
};

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

export type LockedUsers = {
  users: PlanUser[];
  /** Carrier orders of these users whose number has not joined the company's numbers yet, oldest first. */
  carrierOrders: Map<string, CarrierOrderState[]>;
};

type CarrierOrderJson = { key: string; status: CarrierOrderState["status"]; e164: string | null };

/**
 * Locks the users in id order (no deadlock between batches) and reads their pending carrier orders
 * in the same round trip; ids already erased are simply absent.
 */
export async function lockUsers(tx: TxSql, ids: readonly string[]): Promise<LockedUsers> {
  const rows = await selectUsers<UserRow & { carrier_orders: CarrierOrderJson[] | null }>(tx, ids, true);
  const carrierOrders = new Map<string, CarrierOrderState[]>();
  for (const r of rows) if (r.carrier_orders) carrierOrders.set(r.id, r.carrier_orders);
  return { users: rows.map(planUserOf), carrierOrders };
}

/** The users as the plan sees them, without locking them (a preview). */
export const readUsers = async (tx: TxSql, ids: readonly string[]): Promise<PlanUser[]> =>
  (await selectUsers<UserRow>(tx, ids, false)).map(planUserOf);

function selectUsers<Row extends UserRow>(tx: TxSql, ids: readonly string[], lock: boolean): Promise<Row[]> {
  return tx<Row[]>`
    select id, company_id, generation, applied_generation, ${desiredDeleted(tx)} as deleted, ${desiredActive(tx)} as active,
           license_type_id,
           office_hints, status, error_code, office_id, matched_by, matched_value, seat_license_type_id, did,
           extension, did_allocations, matched_rule_id, pinned,
           -- The identity provider sent a licenseType (it wins over group rules), as the door reads it.
           coalesce(nullif(btrim(resource->${ENTERPRISE}->>'licenseType'), ''),
                    nullif(btrim(resource->>'licenseType'), '')) is not null as license_explicit,
           -- The end of its directory's hold window while it is open (the database's clock, as created_at's).
           (select users.created_at + make_interval(secs => d.group_rule_hold_seconds) from directories d
            where d.id = users.directory_id and d.group_rule_hold_seconds > 0
              and users.created_at + make_interval(secs => d.group_rule_hold_seconds) > now()) as hold_until
           ${
             lock
               ? tx`, (select json_agg(json_build_object('key', o.idempotency_key, 'status', o.status, 'e164', o.e164)
                                 order by o.created_at, o.idempotency_key)
                       from carrier_orders o
                       where o.user_id = users.id and not exists (select 1 from numbers n where n.e164 = o.e164)) as carrier_orders`
               : tx``
           }
    from users
    where id = any(${tx.array([...ids])}::uuid[])
    order by id
    ${lock ? tx`for update` : tx``}`;
}

function planUserOf(r: UserRow): PlanUser {
  return {
    id: r.id,
    companyId: r.company_id,
    generation: r.generation,
    appliedGeneration: r.applied_generation,
    deleted: r.deleted,
    desiredActive: r.active,
    licenseTypeId: r.license_type_id,
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
    matchedRuleId: r.matched_rule_id,
    pinned: r.pinned,
    licenseExplicit: r.license_explicit,
    holdUntil: r.hold_until === null ? null : new Date(r.hold_until),
  };
}

type OfficeJson = { id: string; name: string; country: string; main: boolean; created_at: string };
type SeatJson = { office_id: string; license_type_id: string; purchased: number; used: number };
type LicenseJson = { id: string; name: string; monthly_price_cents: number; assigns_did: boolean };
type RuleJson = {
  id: string;
  group_display_name: string | null;
  group_id: string | null;
  office_id: string | null;
  license_type_id: string | null;
  priority: number;
  created_at: string;
};

const ruleOf = (r: RuleJson): GroupRule => ({
  id: r.id,
  group: r.group_id !== null ? { id: r.group_id } : { displayName: r.group_display_name ?? "" },
  officeId: r.office_id,
  licenseTypeId: r.license_type_id,
  priority: r.priority,
  createdAt: new Date(r.created_at),
});

/** Offices, seats (unlocked: they only steer the office match) and catalogues, one round trip for all companies. */
export async function loadCompanies(tx: TxSql, companyIds: readonly string[]): Promise<Map<string, PlanCompany>> {
  const rows = await tx<
    {
      id: string;
      default_area_code: string;
      billing_day: number;
      auto_purchase_licenses: boolean;
      monthly_spend_cap_cents: number | null;
      offices: OfficeJson[] | null;
      seats: SeatJson[] | null;
      licenses: LicenseJson[] | null;
      rules: RuleJson[] | null;
    }[]
  >`
    select c.id, c.default_area_code, c.billing_day, c.auto_purchase_licenses, c.monthly_spend_cap_cents,
      (select json_agg(o) from (select id, name, country, main, created_at from offices where company_id = c.id) o) as offices,
      (select json_agg(s) from (select office_id, license_type_id, purchased, used from seats where company_id = c.id) s) as seats,
      (select json_agg(l) from (select id, name, monthly_price_cents, assigns_did from license_types where company_id = c.id) l) as licenses,
      (select json_agg(r) from (select id, group_display_name, group_id, office_id, license_type_id, priority, created_at
                                from group_rules where company_id = c.id) r) as rules
    from companies c where c.id = any(${tx.array([...companyIds])}::uuid[])`;
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        defaultAreaCode: r.default_area_code,
        billingDay: r.billing_day,
        autoPurchase: r.auto_purchase_licenses,
        monthlySpendCapCents: r.monthly_spend_cap_cents,
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
        licenseTypes: new Map<string, LicenseType>(
          (r.licenses ?? []).map((l) => [
            l.id,
            { id: l.id, name: l.name, monthlyPriceCents: l.monthly_price_cents, assignsDid: l.assigns_did },
          ]),
        ),
        groupRules: (r.rules ?? []).map(ruleOf),
      },
    ]),
  );
}

/**
 * The pushed groups each user belongs to that some rule of its company names (the plan decides which
 * rule applies; this only keeps the rows few), and those `also` names (a preview's rule, not saved yet:
 * by id, or by name); or all of them (`ruledOnly: false`). Names are compared folded as the plan folds
 * them (foldedGroupName).
 */
export async function loadUserGroups(
  tx: TxSql,
  userIds: readonly string[],
  {
    ruledOnly = true,
    also = { ids: [], names: [] },
  }: { ruledOnly?: boolean; also?: { ids: readonly string[]; names: readonly string[] } } = {},
): Promise<Map<string, UserGroup[]>> {
  const byUser = new Map<string, UserGroup[]>();
  if (userIds.length === 0) return byUser;
  const groupName = foldedGroupName(tx, "g.display_name");
  const rows = await tx<{ user_id: string; id: string; display_name: string }[]>`
    select gm.user_id, g.id, g.display_name
    from group_members gm join groups g on g.id = gm.group_id
    where gm.user_id = any(${tx.array([...userIds])}::uuid[])
      and (not ${ruledOnly} or exists (select 1 from group_rules r where r.company_id = g.company_id
                  and (r.group_id = g.id or ${foldedGroupName(tx, "r.group_display_name")} = ${groupName}))
           or g.id = any(${tx.array([...also.ids])}::uuid[])
           or ${groupName} = any(${tx.array(also.names.map(foldGroupName))}::text[]))`;
  for (const r of rows) {
    const list = byUser.get(r.user_id) ?? [];
    list.push({ id: r.id, displayName: r.display_name });
    byUser.set(r.user_id, list);
  }
  return byUser;
}
