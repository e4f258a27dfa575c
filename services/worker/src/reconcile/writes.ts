import type { TxSql } from "@scimline/db";
import { newId } from "@scimline/db";
import type { SeatWrite } from "./decide.ts";
import type { Draft } from "./draft.ts";

/** A failed user keeps its releases but takes nothing new (its claims unlock at commit). */
export const finalDid = (d: Draft) => (d.failure ? (d.releasedDid ? null : d.user.did) : d.did);
export const finalExtension = (d: Draft) =>
  d.failure ? (d.releasedExtension !== null ? null : d.user.extension) : d.extension;
const takesDid = (d: Draft) => !d.failure && d.assignedDid !== null;
const takesExtension = (d: Draft) => !d.failure && d.assignedExtension !== null;

/** Seats (the hot rows, already locked) and the charges for the seats bought, in one statement. */
export async function writeSeatsAndCharges(
  tx: TxSql,
  companyId: string,
  seats: SeatWrite[],
  drafts: Draft[],
): Promise<void> {
  const changed = seats.filter((s) => s.purchasedAfter !== s.purchased || s.usedAfter !== s.used);
  const charged = drafts.filter((d) => d.charge && !d.failure);
  if (changed.length === 0 && charged.length === 0) return;
  await tx`
    with s as (
      update seats set purchased = v.purchased, used = v.used
      from unnest(${tx.array(changed.map((s) => s.officeId))}::uuid[], ${tx.array(changed.map((s) => s.licenseTypeId))}::uuid[],
                  ${tx.array(changed.map((s) => s.purchasedAfter))}::int[], ${tx.array(changed.map((s) => s.usedAfter))}::int[])
        as v(office_id, license_type_id, purchased, used)
      where seats.office_id = v.office_id and seats.license_type_id = v.license_type_id
      returning 1
    )
    insert into charges (id, company_id, office_id, license_type_id, user_id, quantity, unit_price_cents, amount_cents,
                         period_start, period_end, idempotency_key)
    select c.id, ${companyId}, c.office_id, c.license_type_id, c.user_id, 1, c.unit, c.amount, c.period_start, c.period_end, c.key
    from unnest(${tx.array(charged.map(() => newId()))}::uuid[], ${tx.array(charged.map((d) => d.officeId ?? ""))}::uuid[],
                ${tx.array(charged.map((d) => d.user.licenseTypeId))}::uuid[], ${tx.array(charged.map((d) => d.user.id))}::uuid[],
                ${tx.array(charged.map((d) => d.charge?.unitPriceCents ?? 0))}::int[], ${tx.array(charged.map((d) => d.charge?.amountCents ?? 0))}::int[],
                ${tx.array(charged.map((d) => d.charge?.periodStart ?? ""))}::text[]::date[], ${tx.array(charged.map((d) => d.charge?.periodEnd ?? ""))}::text[]::date[],
                ${tx.array(charged.map((d) => `seat_${d.user.id}_g${d.user.generation}`))}::text[])
      as c(id, office_id, license_type_id, user_id, unit, amount, period_start, period_end, key)
    on conflict (idempotency_key) do nothing`;
}

/** DIDs: released ones go back to the unassigned pool of their office (SPEC §5 delete); claimed ones are taken. */
export async function writeNumbers(tx: TxSql, drafts: Draft[]): Promise<void> {
  const released = drafts.filter((d) => d.releasedDid);
  const taken = drafts.filter(takesDid);
  if (released.length === 0 && taken.length === 0) return;
  await tx`
    with r as (
      update numbers set assigned_user_id = null, office_id = coalesce(numbers.office_id, v.office_id)
      from unnest(${tx.array(released.map((d) => d.releasedDid?.e164 ?? ""))}::text[],
                  ${tx.array(released.map((d) => d.releasedDid?.officeId ?? null))}::uuid[]) as v(e164, office_id)
      where numbers.e164 = v.e164
      returning 1
    )
    update numbers set assigned_user_id = v.user_id
    from unnest(${tx.array(taken.map((d) => d.assignedDid ?? ""))}::text[], ${tx.array(taken.map((d) => d.user.id))}::uuid[]) as v(e164, user_id)
    where numbers.e164 = v.e164`;
}

export async function writeExtensions(tx: TxSql, drafts: Draft[]): Promise<void> {
  const released = drafts.filter((d) => d.releasedExtension !== null);
  const taken = drafts.filter(takesExtension);
  if (released.length === 0 && taken.length === 0) return;
  await tx`
    with r as (
      update extension_pool set user_id = null
      from unnest(${tx.array(released.map((d) => d.user.companyId))}::uuid[], ${tx.array(released.map((d) => d.releasedExtension ?? 0))}::int[])
        as v(company_id, extension)
      where extension_pool.company_id = v.company_id and extension_pool.extension = v.extension
      returning 1
    )
    update extension_pool set user_id = v.user_id
    from unnest(${tx.array(taken.map((d) => d.user.companyId))}::uuid[], ${tx.array(taken.map((d) => d.assignedExtension ?? 0))}::int[],
                ${tx.array(taken.map((d) => d.user.id))}::uuid[]) as v(company_id, extension, user_id)
    where extension_pool.company_id = v.company_id and extension_pool.extension = v.extension`;
}

export type UserWrite = { draft: Draft; status: string; errorCode: string | null; done: boolean };

export async function writeUsers(tx: TxSql, writes: UserWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const col = <T>(f: (w: UserWrite) => T) => tx.array(writes.map(f) as never[]);
  await tx`
    update users set
      status = v.status, error_code = v.error_code, office_id = v.office_id, matched_by = v.matched_by,
      matched_value = v.matched_value, seat_license_type_id = v.seat_license_type_id, did = v.did,
      extension = v.extension, did_allocations = v.did_allocations,
      applied_generation = case when v.done then v.generation else users.applied_generation end,
      -- The outcome is part of the SCIM resource (telephony extension): a visible change is a new version.
      version = users.version + (case when (users.status, users.error_code, users.office_id, users.did, users.extension, users.matched_by)
        is distinct from (v.status, v.error_code, v.office_id, v.did, v.extension, v.matched_by) then 1 else 0 end),
      updated_at = case when (users.status, users.error_code, users.office_id, users.did, users.extension, users.matched_by)
        is distinct from (v.status, v.error_code, v.office_id, v.did, v.extension, v.matched_by) then now() else users.updated_at end
    from unnest(${col((w) => w.draft.user.id)}::uuid[], ${col((w) => w.status)}::text[], ${col((w) => w.errorCode)}::text[],
                ${col((w) => w.draft.officeId)}::uuid[], ${col((w) => w.draft.matchedBy)}::text[], ${col((w) => w.draft.matchedValue)}::text[],
                ${col((w) => w.draft.seatLicenseTypeId)}::uuid[],
                ${col((w) => finalDid(w.draft))}::text[], ${col((w) => finalExtension(w.draft))}::int[],
                ${col((w) => w.draft.didAllocations)}::int[], ${col((w) => w.done)}::bool[], ${col((w) => w.draft.user.generation)}::int[])
      as v(id, status, error_code, office_id, matched_by, matched_value, seat_license_type_id, did, extension, did_allocations, done, generation)
    where users.id = v.id`;
}

/** SPEC §5 delete: the row goes; an audit event keeps only the id and the time. */
export async function eraseUsers(tx: TxSql, drafts: Draft[]): Promise<void> {
  const erased = drafts.filter((d) => d.steps.includes("erase"));
  if (erased.length === 0) return;
  await tx`
    with gone as (
      delete from users where id = any(${tx.array(erased.map((d) => d.user.id))}::uuid[]) returning id, company_id
    )
    insert into audit_events (company_id, kind, subject_id) select company_id, 'user.deleted', id from gone`;
}
