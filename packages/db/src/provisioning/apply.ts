import { type DomainEvent, PERSONAL_EVENT_KEYS, type Plan } from "@scimline/domain";
import type { TxSql } from "../client.ts";

/**
 * The one writer of provisioning outcomes: it stores a plan as decided, in the caller's
 * transaction (the users, and every seat, number and extension the plan locked, are locked).
 * At most three statements whatever the batch's size: releases; every outcome (numbers,
 * extensions, users, seats and charges, carrier intents, events) in one statement of
 * data-modifying CTEs; erasures. The statements' text never changes, so each connection
 * prepares them once.
 */
export async function applyPlan(tx: TxSql, plan: Plan): Promise<void> {
  await releaseResources(tx, plan);
  await writeOutcomes(tx, plan);
  await eraseUsers(tx, plan.erased);
}

/**
 * Released numbers go back to the unassigned pool of their office and released extensions to the
 * company's pool, before anything is taken: a user may give one number back and take another, and
 * the one-number-per-user index must see the first gone (the CTEs of one statement share a snapshot).
 */
async function releaseResources(tx: TxSql, plan: Plan): Promise<void> {
  const numbers = plan.numbers.released;
  const extensions = plan.extensions.released;
  if (numbers.length + extensions.length === 0) return;
  await tx`
    with n as (
      update numbers set assigned_user_id = null, office_id = coalesce(numbers.office_id, v.office_id)
      from unnest(${tx.array(numbers.map((n) => n.e164))}::text[], ${tx.array(numbers.map((n) => n.officeId))}::uuid[])
        as v(e164, office_id)
      where numbers.e164 = v.e164
      returning 1
    )
    update extension_pool set user_id = null
    from unnest(${tx.array(extensions.map((e) => e.companyId))}::uuid[], ${tx.array(extensions.map((e) => e.extension))}::int[])
      as v(company_id, extension)
    where extension_pool.company_id = v.company_id and extension_pool.extension = v.extension`;
}

/**
 * Every outcome in one statement. Each CTE writes its own table (data-modifying CTEs must not
 * touch the same row twice): bought numbers join and claimed ones are taken; extensions; the
 * users' rows; the seats (the hot rows, already locked) and the charges for the seats bought;
 * carrier intents (recorded before the call; the call's key makes a retry buy nothing new);
 * events, in the order the plan made them (seq keeps it).
 */
async function writeOutcomes(tx: TxSql, plan: Plan): Promise<void> {
  const { assigned, added } = plan.numbers;
  const extensions = plan.extensions.assigned;
  const writes = plan.users.filter((u) => u.outcome.type !== "erased");
  const { seats, charges, carrierOrders: orders, events } = plan;
  const total =
    assigned.length +
    added.length +
    extensions.length +
    writes.length +
    seats.length +
    charges.length +
    orders.length +
    events.length;
  if (total === 0) return;
  const col = <T>(f: (w: (typeof writes)[number]) => T) => tx.array(writes.map(f) as never[]);
  const c = <T>(f: (x: (typeof charges)[number]) => T) => tx.array(charges.map(f) as never[]);
  await tx`
    with added as (
      insert into numbers (e164, company_id, office_id, assigned_user_id, source)
      select v.e164, v.company_id, v.office_id, v.user_id, 'carrier'
      from unnest(${tx.array(added.map((n) => n.e164))}::text[], ${tx.array(added.map((n) => n.companyId))}::uuid[],
                  ${tx.array(added.map((n) => n.officeId))}::uuid[], ${tx.array(added.map((n) => n.userId))}::uuid[])
        as v(e164, company_id, office_id, user_id)
      returning 1
    ), assigned as (
      update numbers set assigned_user_id = v.user_id
      from unnest(${tx.array(assigned.map((n) => n.e164))}::text[], ${tx.array(assigned.map((n) => n.userId))}::uuid[])
        as v(e164, user_id)
      where numbers.e164 = v.e164
      returning 1
    ), extensions as (
      update extension_pool set user_id = v.user_id
      from unnest(${tx.array(extensions.map((e) => e.companyId))}::uuid[], ${tx.array(extensions.map((e) => e.extension))}::int[],
                  ${tx.array(extensions.map((e) => e.userId))}::uuid[]) as v(company_id, extension, user_id)
      where extension_pool.company_id = v.company_id and extension_pool.extension = v.extension
      returning 1
    ), written as (
      update users set
        status = v.status, error_code = v.error_code, office_id = v.office_id, matched_by = v.matched_by,
        matched_value = v.matched_value, matched_rule_id = v.matched_rule_id, license_type_id = v.license_type_id,
        seat_license_type_id = v.seat_license_type_id, did = v.did,
        extension = v.extension, did_allocations = v.did_allocations,
        suspended_at = case when v.status = 'suspended' then coalesce(users.suspended_at, now()) end,
        applied_generation = case when v.applied then v.generation else users.applied_generation end,
        -- The outcome is part of the SCIM resource (telephony extension): a visible change is a new version.
        version = users.version + (case when (users.status, users.error_code, users.office_id, users.did, users.extension, users.matched_by, users.license_type_id)
          is distinct from (v.status, v.error_code, v.office_id, v.did, v.extension, v.matched_by, v.license_type_id) then 1 else 0 end),
        updated_at = case when (users.status, users.error_code, users.office_id, users.did, users.extension, users.matched_by, users.license_type_id)
          is distinct from (v.status, v.error_code, v.office_id, v.did, v.extension, v.matched_by, v.license_type_id) then now() else users.updated_at end
      from unnest(${col((w) => w.userId)}::uuid[], ${col((w) => w.row.status)}::text[], ${col((w) => w.row.errorCode)}::text[],
                  ${col((w) => w.row.officeId)}::uuid[], ${col((w) => w.row.matchedBy)}::text[], ${col((w) => w.row.matchedValue)}::text[],
                  ${col((w) => w.row.matchedRuleId)}::uuid[], ${col((w) => w.row.licenseTypeId)}::uuid[],
                  ${col((w) => w.row.seatLicenseTypeId)}::uuid[], ${col((w) => w.row.did)}::text[], ${col((w) => w.row.extension)}::int[],
                  ${col((w) => w.row.didAllocations)}::int[], ${col((w) => w.applied)}::bool[], ${col((w) => w.generation)}::int[])
        as v(id, status, error_code, office_id, matched_by, matched_value, matched_rule_id, license_type_id, seat_license_type_id,
             did, extension, did_allocations, applied, generation)
      where users.id = v.id
      returning 1
    ), seated as (
      update seats set purchased = v.purchased, used = v.used
      from unnest(${tx.array(seats.map((s) => s.officeId))}::uuid[], ${tx.array(seats.map((s) => s.licenseTypeId))}::uuid[],
                  ${tx.array(seats.map((s) => s.purchasedAfter))}::int[], ${tx.array(seats.map((s) => s.usedAfter))}::int[])
        as v(office_id, license_type_id, purchased, used)
      where seats.office_id = v.office_id and seats.license_type_id = v.license_type_id
      returning 1
    ), charged as (
      insert into charges (id, company_id, office_id, license_type_id, user_id, quantity, unit_price_cents, amount_cents,
                           period_start, period_end, idempotency_key)
      select v.id, v.company_id, v.office_id, v.license_type_id, v.user_id, 1, v.unit, v.amount, v.period_start, v.period_end, v.key
      from unnest(${c((x) => x.id)}::uuid[], ${c((x) => x.companyId)}::uuid[], ${c((x) => x.officeId)}::uuid[],
                  ${c((x) => x.licenseTypeId)}::uuid[], ${c((x) => x.userId)}::uuid[], ${c((x) => x.unitPriceCents)}::int[],
                  ${c((x) => x.amountCents)}::int[], ${c((x) => x.periodStart)}::text[]::date[], ${c((x) => x.periodEnd)}::text[]::date[],
                  ${c((x) => x.idempotencyKey)}::text[])
        as v(id, company_id, office_id, license_type_id, user_id, unit, amount, period_start, period_end, key)
      on conflict (idempotency_key) do nothing
      returning 1
    ), ordered as (
      insert into carrier_orders (idempotency_key, company_id, user_id, area_code)
      select * from unnest(${tx.array(orders.map((o) => o.key))}::text[], ${tx.array(orders.map((o) => o.companyId))}::uuid[],
                           ${tx.array(orders.map((o) => o.userId))}::uuid[], ${tx.array(orders.map((o) => o.areaCode))}::text[])
      on conflict (idempotency_key) do nothing
      returning 1
    ), evented as (
      -- One jsonb parameter (as text): each event's data was a JSON string inside a text[] literal, which the
      -- driver escaped quote by quote (~7 µs of worker CPU an event, five events a user).
      insert into events (company_id, user_id, type, data)
      select company_id, user_id, type, data
      from rows from (jsonb_to_recordset(${eventRecords(events)}::text::jsonb)
                        as (company_id uuid, user_id uuid, type text, data jsonb))
        with ordinality as e(company_id, user_id, type, data, n)
      order by n
      returning 1
    )
    select 1`;
}

/** The plan's events as the JSON array `jsonb_to_recordset` reads: keys are the columns. */
const eventRecords = (events: readonly DomainEvent[]): string =>
  JSON.stringify(events.map((e) => ({ company_id: e.companyId, user_id: e.userId, type: e.type, data: e.data })));

/**
 * The rows go, an audit record keeps each id and the time, and the users' events keep ids, codes and
 * company data only (their numbers and hints go), in one statement after the events are written.
 */
async function eraseUsers(tx: TxSql, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx`
    with gone as (
      delete from users where id = any(${tx.array([...ids])}::uuid[]) returning id, company_id
    ), audited as (
      insert into audit_events (company_id, kind, subject_id) select company_id, 'user.deleted', id from gone
      returning 1
    )
    update events set data = data - ${tx.array([...PERSONAL_EVENT_KEYS])}::text[]
    where user_id = any(${tx.array([...ids])}::uuid[])`;
}
