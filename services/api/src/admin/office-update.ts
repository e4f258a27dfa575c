import type { z } from "@hono/zod-openapi";
import type { Database, TxSql } from "@scimline/db";
import { AdminError } from "../errors.ts";
import { isUniqueViolation } from "../use-cases/pg-errors.ts";
import type { OfficeUpdate } from "./setup-schemas.ts";
import { lockWaitingUsers, requeueUsers, type WaitingUser } from "./waiting.ts";

type Input = z.infer<typeof OfficeUpdate>;
type SeatRow = { license_type_id: string; purchased: number; used: number };

async function licenseIds(tx: TxSql, companyId: string, names: string[]): Promise<Map<string, string>> {
  const catalogue = await tx<{ id: string; name: string }[]>`
    select id, name from license_types where company_id = ${companyId} order by created_at, id`;
  const byName = new Map(catalogue.map((l) => [l.name, l.id]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    throw new AdminError(
      "UNKNOWN_LICENSE_TYPE",
      `Unknown license type(s) ${unknown.map((n) => `"${n}"`).join(", ")}; the company has ${catalogue.map((l) => `"${l.name}"`).join(", ")}`,
    );
  }
  return byName;
}

/**
 * New seat counts, never below the seats in use (docs/RULES.md: active and provisioning users hold
 * them). The seats rows are locked in the worker's order, after the users. Seats an admin
 * declares are licenses the company owns: no charge. Returns the users the new seats unblock.
 */
async function applySeats(
  tx: TxSql,
  officeId: string,
  officeName: string,
  wanted: Map<string, { name: string; purchased: number }>,
  waiting: WaitingUser[],
): Promise<string[]> {
  const ids = [...wanted.keys()];
  await tx`
    insert into seats (office_id, license_type_id, company_id, purchased, used)
    select offices.id, t, offices.company_id, 0, 0 from offices, unnest(${tx.array(ids)}::uuid[]) t
    where offices.id = ${officeId}
    on conflict do nothing`;
  const rows = await tx<SeatRow[]>`
    select license_type_id, purchased, used from seats
    where office_id = ${officeId} and license_type_id = any(${tx.array(ids)}::uuid[])
    order by license_type_id
    for update`;
  const unblocked: string[] = [];
  for (const row of rows) {
    const target = wanted.get(row.license_type_id);
    if (!target) continue;
    if (target.purchased < row.used) {
      throw new AdminError(
        "SEATS_IN_USE",
        `Office "${officeName}" has ${row.used} "${target.name}" seat(s) in use; purchased cannot go below that`,
      );
    }
    // docs/RULES.md "until an admin adds seats, then continues": the oldest waiting users, one per free seat.
    if (target.purchased > row.purchased) {
      const free = target.purchased - row.used;
      const queue = waiting.filter((u) => u.licenseTypeId === row.license_type_id).slice(0, free);
      unblocked.push(...queue.map((u) => u.id));
    }
  }
  await tx`
    update seats set purchased = v.purchased
    from unnest(${tx.array(ids)}::uuid[], ${tx.array(ids.map((id) => wanted.get(id)?.purchased ?? 0))}::int[])
      as v(license_type_id, purchased)
    where seats.office_id = ${officeId} and seats.license_type_id = v.license_type_id`;
  return unblocked;
}

async function applyMain(
  tx: TxSql,
  companyId: string,
  office: { id: string; name: string; main: boolean },
  main: boolean,
) {
  if (main === office.main) return;
  if (!main) {
    throw new AdminError(
      "MAIN_OFFICE_REQUIRED",
      `"${office.name}" is the main office; make another office main instead (docs/RULES.md office match falls back to it)`,
    );
  }
  await tx`update offices set main = false where company_id = ${companyId} and main`;
  await tx`update offices set main = true where id = ${office.id}`;
}

/**
 * Name, country, main flag and seats of an office, in one transaction. Users waiting for a
 * seat of a type that gained seats are retried in the same transaction. null: no such office.
 */
export async function updateOffice(
  database: Database,
  companyId: string,
  officeId: string,
  input: Input,
): Promise<"updated" | null> {
  try {
    return await database.sql.begin(async (tx) => {
      // Admin changes of one company run one at a time; NO KEY UPDATE leaves foreign-key readers alone.
      const [company] = await tx`select 1 from companies where id = ${companyId} for no key update`;
      if (!company) return null;
      const [office] = await tx<{ id: string; name: string; main: boolean }[]>`
        select id, name, main from offices where id = ${officeId} and company_id = ${companyId}
        for no key update`;
      if (!office) return null;
      const seatNames = Object.keys(input.seats ?? {});
      const byName = await licenseIds(tx, companyId, seatNames);
      const wanted = new Map(
        seatNames.map((name) => [byName.get(name) ?? "", { name, purchased: input.seats?.[name] ?? 0 }]),
      );
      const waiting =
        wanted.size > 0
          ? await lockWaitingUsers(tx, companyId, ["no_license_available", "spend_cap_reached"], {
              officeId,
              licenseTypeIds: [...wanted.keys()],
            })
          : [];
      if (input.name !== undefined || input.country !== undefined) {
        await tx`
          update offices set name = coalesce(${input.name ?? null}, name), country = coalesce(${input.country ?? null}, country)
          where id = ${officeId}`;
      }
      if (input.main !== undefined) await applyMain(tx, companyId, office, input.main);
      const unblocked = wanted.size > 0 ? await applySeats(tx, officeId, office.name, wanted, waiting) : [];
      await requeueUsers(tx, unblocked);
      return "updated";
    });
  } catch (error) {
    if (isUniqueViolation(error, "offices_company_name")) {
      throw new AdminError("OFFICE_EXISTS", `An office named "${input.name}" already exists in this company`);
    }
    throw error;
  }
}
