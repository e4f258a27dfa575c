import { type DomainEvent, PERSONAL_EVENT_KEYS, type Plan } from "@scimline/domain";
import type { TxSql } from "../client.ts";

/**
 * The one writer of provisioning outcomes: it stores a plan as decided, in the caller's
 * transaction (the users, and every seat, number and extension the plan locked, are locked):
 * numbers and extensions, the users' rows, erasures, seats and charges, carrier intents, events.
 */
export async function applyPlan(tx: TxSql, plan: Plan): Promise<void> {
  await writeNumbers(tx, plan);
  await writeExtensions(tx, plan);
  await writeUsers(tx, plan);
  await eraseUsers(tx, plan.erased);
  await writeSeatsAndCharges(tx, plan);
  await writeCarrierOrders(tx, plan);
  await insertEvents(tx, plan.events);
  if (plan.erased.length > 0) await scrubEvents(tx, plan.erased);
}

/**
 * Released numbers go back to the unassigned pool of their office, then claimed ones are taken and
 * bought ones join. Releases go first, in their own statement: a user may give one number back and
 * take another, and the one-number-per-user index must see the first gone.
 */
async function writeNumbers(tx: TxSql, plan: Plan): Promise<void> {
  const { released, assigned, added } = plan.numbers;
  if (released.length > 0) {
    await tx`
      update numbers set assigned_user_id = null, office_id = coalesce(numbers.office_id, v.office_id)
      from unnest(${tx.array(released.map((n) => n.e164))}::text[], ${tx.array(released.map((n) => n.officeId))}::uuid[])
        as v(e164, office_id)
      where numbers.e164 = v.e164`;
  }
  if (assigned.length + added.length === 0) return;
  await tx`
    with a as (
      insert into numbers (e164, company_id, office_id, assigned_user_id, source)
      select v.e164, v.company_id, v.office_id, v.user_id, 'carrier'
      from unnest(${tx.array(added.map((n) => n.e164))}::text[], ${tx.array(added.map((n) => n.companyId))}::uuid[],
                  ${tx.array(added.map((n) => n.officeId))}::uuid[], ${tx.array(added.map((n) => n.userId))}::uuid[])
        as v(e164, company_id, office_id, user_id)
      returning 1
    )
    update numbers set assigned_user_id = v.user_id
    from unnest(${tx.array(assigned.map((n) => n.e164))}::text[], ${tx.array(assigned.map((n) => n.userId))}::uuid[])
      as v(e164, user_id)
    where numbers.e164 = v.e164`;
}

/** As numbers: releases first, in their own statement (one extension per user). */
async function writeExtensions(tx: TxSql, plan: Plan): Promise<void> {
  const { released, assigned } = plan.extensions;
  if (released.length > 0) {
    await tx`
      update extension_pool set user_id = null
      from unnest(${tx.array(released.map((e) => e.companyId))}::uuid[], ${tx.array(released.map((e) => e.extension))}::int[])
        as v(company_id, extension)
      where extension_pool.company_id = v.company_id and extension_pool.extension = v.extension`;
  }
  if (assigned.length === 0) return;
  await tx`
    update extension_pool set user_id = v.user_id
    from unnest(${tx.array(assigned.map((e) => e.companyId))}::uuid[], ${tx.array(assigned.map((e) => e.extension))}::int[],
                ${tx.array(assigned.map((e) => e.userId))}::uuid[]) as v(company_id, extension, user_id)
    where extension_pool.company_id = v.company_id and extension_pool.extension = v.extension`;
}

async function writeUsers(tx: TxSql, plan: Plan): Promise<void> {
  const writes = plan.users.filter((u) => u.outcome.type !== "erased");
  if (writes.length === 0) return;
  const col = <T>(f: (w: (typeof writes)[number]) => T) => tx.array(writes.map(f) as never[]);
  await tx`
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
    where users.id = v.id`;
}

/** The row goes; its events stay, with ids only (scrubEvents); an audit record keeps the id and the time. */
async function eraseUsers(tx: TxSql, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx`
    with gone as (
      delete from users where id = any(${tx.array([...ids])}::uuid[]) returning id, company_id
    )
    insert into audit_events (company_id, kind, subject_id) select company_id, 'user.deleted', id from gone`;
}

/** Seats (the hot rows, already locked) and the charges for the seats bought, in one statement, last. */
async function writeSeatsAndCharges(tx: TxSql, plan: Plan): Promise<void> {
  const { seats, charges } = plan;
  if (seats.length === 0 && charges.length === 0) return;
  const c = <T>(f: (x: (typeof charges)[number]) => T) => tx.array(charges.map(f) as never[]);
  await tx`
    with s as (
      update seats set purchased = v.purchased, used = v.used
      from unnest(${tx.array(seats.map((s) => s.officeId))}::uuid[], ${tx.array(seats.map((s) => s.licenseTypeId))}::uuid[],
                  ${tx.array(seats.map((s) => s.purchasedAfter))}::int[], ${tx.array(seats.map((s) => s.usedAfter))}::int[])
        as v(office_id, license_type_id, purchased, used)
      where seats.office_id = v.office_id and seats.license_type_id = v.license_type_id
      returning 1
    )
    insert into charges (id, company_id, office_id, license_type_id, user_id, quantity, unit_price_cents, amount_cents,
                         period_start, period_end, idempotency_key)
    select v.id, v.company_id, v.office_id, v.license_type_id, v.user_id, 1, v.unit, v.amount, v.period_start, v.period_end, v.key
    from unnest(${c((x) => x.id)}::uuid[], ${c((x) => x.companyId)}::uuid[], ${c((x) => x.officeId)}::uuid[],
                ${c((x) => x.licenseTypeId)}::uuid[], ${c((x) => x.userId)}::uuid[], ${c((x) => x.unitPriceCents)}::int[],
                ${c((x) => x.amountCents)}::int[], ${c((x) => x.periodStart)}::text[]::date[], ${c((x) => x.periodEnd)}::text[]::date[],
                ${c((x) => x.idempotencyKey)}::text[])
      as v(id, company_id, office_id, license_type_id, user_id, unit, amount, period_start, period_end, key)
    on conflict (idempotency_key) do nothing`;
}

/** The intent of a carrier purchase is recorded before the call; the call's key makes a retry buy nothing new. */
async function writeCarrierOrders(tx: TxSql, plan: Plan): Promise<void> {
  const orders = plan.carrierOrders;
  if (orders.length === 0) return;
  await tx`
    insert into carrier_orders (idempotency_key, company_id, user_id, area_code)
    select * from unnest(${tx.array(orders.map((o) => o.key))}::text[], ${tx.array(orders.map((o) => o.companyId))}::uuid[],
                         ${tx.array(orders.map((o) => o.userId))}::uuid[], ${tx.array(orders.map((o) => o.areaCode))}::text[])
    on conflict (idempotency_key) do nothing`;
}

/** Events in the order the plan made them (seq keeps it). */
export async function insertEvents(tx: TxSql, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx`
    insert into events (company_id, user_id, type, data)
    select company_id, user_id, type, data from unnest(${tx.array(events.map((e) => e.companyId))}::uuid[], ${tx.array(events.map((e) => e.userId))}::uuid[],
                         ${tx.array(events.map((e) => e.type))}::text[], ${tx.array(events.map((e) => JSON.stringify(e.data)))}::jsonb[])
      with ordinality as e(company_id, user_id, type, data, n)
    order by n`;
}

/** An erased user's events keep ids, codes and company data only: its numbers and hints go. */
async function scrubEvents(tx: TxSql, ids: readonly string[]): Promise<void> {
  await tx`
    update events set data = data - ${tx.array([...PERSONAL_EVENT_KEYS])}::text[]
    where user_id = any(${tx.array([...ids])}::uuid[])`;
}
