import type { Sql } from "@scimline/db";
import type { Accepted } from "./burst.ts";

/** What the company owned before the burst: seats bought later must each have a charge. */
export type Baseline = { purchased: number; numbers: number };

export async function baseline(sql: Sql, companyId: string): Promise<Baseline> {
  const [row] = await sql<Baseline[]>`
    select (select coalesce(sum(purchased), 0)::int from seats where company_id = ${companyId}) as purchased,
           (select count(*)::int from numbers where company_id = ${companyId}) as numbers`;
  return row ?? { purchased: 0, numbers: 0 };
}

type UserRow = {
  id: string;
  status: string;
  active: boolean;
  deleted: boolean;
  office_id: string | null;
  license_type_id: string;
  seat_license_type_id: string | null;
  assigns_did: boolean;
  did: string | null;
  extension: number | null;
};

/** Polls until nothing of the company is owed any more: no outbox row, nobody provisioning or awaiting erasure. */
export async function settled(sql: Sql, companyId: string, accepted: Accepted[], ms: number): Promise<number> {
  const started = Date.now();
  const want = accepted.filter((a) => a.desired !== "deleted").length;
  for (;;) {
    const [row] = await sql<{ outbox: number; owed: number; live: number }[]>`
      select (select count(*)::int from outbox where company_id = ${companyId}) as outbox,
             (select count(*)::int from users where company_id = ${companyId}
                and (status = 'provisioning' or deleted_at is not null or applied_generation < generation)) as owed,
             (select count(*)::int from users where company_id = ${companyId}) as live`;
    if (row && row.outbox === 0 && row.owed === 0 && row.live === want) return Date.now() - started;
    if (Date.now() - started > ms) {
      const owed = await sql`
        select id, status, error_code, active, deleted_at is not null as deleted, generation, applied_generation
        from users where company_id = ${companyId}
          and (status = 'provisioning' or deleted_at is not null or applied_generation < generation) limit 5`;
      throw new Error(`not settled after ${ms} ms: ${JSON.stringify(row)}, want ${want} live; ${JSON.stringify(owed)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The invariants every fault must leave intact (issue 5), as a list of violations (empty when
 * all hold): each acknowledged request reached its desired state; charges equal seats bought;
 * seats used equal seats held; no DID or extension held twice, and the users' DIDs and
 * extensions are exactly the ones marked assigned; pool plus assigned numbers equal all the
 * company's numbers (those it had plus those bought); nobody provisioning or failed; outbox drained.
 */
export async function checkInvariants(
  sql: Sql,
  companyId: string,
  accepted: Accepted[],
  before: Baseline,
): Promise<string[]> {
  const v: string[] = [];
  const users = await sql<UserRow[]>`
    select u.id, u.status, u.active, u.deleted_at is not null as deleted, u.office_id, u.license_type_id,
           u.seat_license_type_id, lt.assigns_did, u.did, u.extension
    from users u join license_types lt on lt.id = u.license_type_id where u.company_id = ${companyId}`;
  const byId = new Map(users.map((u) => [u.id, u]));
  const audited = new Set(
    (
      await sql<{ subject_id: string }[]>`
        select subject_id from audit_events where company_id = ${companyId} and kind = 'user.deleted'`
    ).map((r) => r.subject_id),
  );

  const expectedIds = new Set(accepted.map((a) => a.id));
  if (expectedIds.size !== accepted.length) v.push("the door gave one id to two creates");
  for (const a of accepted) {
    const u = byId.get(a.id);
    if (a.desired === "deleted") {
      if (u) v.push(`${a.userName}: deleted at the door but still stored (status ${u.status})`);
      if (!audited.has(a.id)) v.push(`${a.userName}: erased without its audit event`);
    } else if (!u) v.push(`${a.userName}: acknowledged (${a.desired}) but not stored`);
    else if (a.desired === "active") {
      const ok =
        u.status === "active" &&
        u.active &&
        !u.deleted &&
        u.office_id !== null &&
        u.seat_license_type_id === u.license_type_id &&
        u.extension !== null &&
        (u.did !== null) === u.assigns_did;
      if (!ok) v.push(`${a.userName}: not fully active: ${JSON.stringify(u)}`);
    } else if (!(u.status === "suspended" && !u.active && u.seat_license_type_id === null)) {
      v.push(`${a.userName}: not suspended: ${JSON.stringify(u)}`);
    }
  }
  for (const u of users) if (!expectedIds.has(u.id)) v.push(`user ${u.id} stored but never acknowledged`);
  const stuck = users.filter((u) => u.status === "provisioning" || u.status === "failed");
  if (stuck.length > 0) v.push(`${stuck.length} user(s) provisioning or failed, e.g. ${JSON.stringify(stuck[0])}`);

  const [outbox] = await sql<{ n: number }[]>`select count(*)::int as n from outbox where company_id = ${companyId}`;
  if (outbox?.n !== 0) v.push(`outbox not drained: ${outbox?.n} row(s)`);

  // Seats: used = held, and every seat bought after the baseline has exactly one charge.
  const seats = await sql<{ office_id: string; license_type_id: string; purchased: number; used: number }[]>`
    select office_id, license_type_id, purchased, used from seats where company_id = ${companyId}`;
  for (const s of seats) {
    const held = users.filter((u) => u.office_id === s.office_id && u.seat_license_type_id === s.license_type_id);
    if (held.length !== s.used)
      v.push(`seats ${s.office_id}/${s.license_type_id}: used ${s.used}, held ${held.length}`);
  }
  const bought = seats.reduce((n, s) => n + s.purchased, 0) - before.purchased;
  const [charges] = await sql<{ n: number; keys: number }[]>`
    select count(*)::int as n, count(distinct idempotency_key)::int as keys from charges where company_id = ${companyId}`;
  if (charges?.n !== bought) v.push(`${charges?.n} charge(s) for ${bought} seat(s) bought`);

  // DIDs and extensions: each held once, and held exactly where the pools say.
  const dids = users.flatMap((u) => (u.did ? [u.did] : []));
  if (new Set(dids).size !== dids.length) v.push("a DID is held by two users");
  const exts = users.flatMap((u) => (u.extension !== null ? [u.extension] : []));
  if (new Set(exts).size !== exts.length) v.push("an extension is held by two users");
  const numbers = await sql<{ e164: string; assigned_user_id: string | null; source: string }[]>`
    select e164, assigned_user_id, source from numbers where company_id = ${companyId}`;
  const assigned = new Map(numbers.filter((n) => n.assigned_user_id).map((n) => [n.e164, n.assigned_user_id]));
  for (const u of users)
    if (u.did && assigned.get(u.did) !== u.id) v.push(`${u.id} holds ${u.did}, not assigned to it`);
  if (assigned.size !== dids.length) v.push(`${assigned.size} number(s) marked assigned, ${dids.length} held by users`);
  const pool = numbers.filter((n) => n.assigned_user_id === null).length;
  const carrier = numbers.filter((n) => n.source === "carrier").length;
  if (pool + dids.length !== numbers.length)
    v.push(`pool ${pool} + assigned ${dids.length} ≠ ${numbers.length} numbers`);
  if (numbers.length !== before.numbers + carrier) {
    v.push(`${numbers.length} numbers, expected ${before.numbers} + ${carrier} bought from the carrier`);
  }
  const slots = await sql<{ extension: number; user_id: string }[]>`
    select extension, user_id from extension_pool where company_id = ${companyId} and user_id is not null`;
  const slotOf = new Map(slots.map((s) => [s.extension, s.user_id]));
  for (const u of users) {
    if (u.extension !== null && slotOf.get(u.extension) !== u.id)
      v.push(`${u.id} holds extension ${u.extension}, not in the pool`);
  }
  if (slots.length !== exts.length) v.push(`${slots.length} extension slot(s) taken, ${exts.length} held by users`);
  return v;
}
