import type { Sql } from "@scimline/db";
import type { CarrierPort } from "../carrier/port.ts";

export class NoNumberAvailableError extends Error {
  constructor(areaCode: string) {
    super(`no_number_available: the pool is empty and the carrier has no number in area code ${areaCode}`);
    this.name = "NoNumberAvailableError";
  }
}

/**
 * SPEC §5 DID rule 2: buy from the carrier in the company's default area code. The intent
 * and its key are recorded first, the carrier is called with that key (a retry gets the
 * same number), then the number joins the company's numbers, assigned to the user.
 * The job then reconciles the user again to finish (mark it active).
 */
export async function provisionCarrierDid(
  sql: Sql,
  carrier: CarrierPort,
  userId: string,
  need: { companyId: string; areaCode: string; idempotencyKey: string },
): Promise<void> {
  await sql`
    insert into carrier_orders (idempotency_key, company_id, user_id, area_code)
    values (${need.idempotencyKey}, ${need.companyId}, ${userId}, ${need.areaCode})
    on conflict (idempotency_key) do nothing`;
  const purchase = await carrier.buyNumber({ areaCode: need.areaCode, idempotencyKey: need.idempotencyKey });
  if (purchase.type === "unavailable") {
    await sql`update carrier_orders set status = 'unavailable' where idempotency_key = ${need.idempotencyKey} and status = 'pending'`;
    await sql`update users set error_code = 'no_number_available' where id = ${userId} and status = 'provisioning'`;
    throw new NoNumberAvailableError(need.areaCode);
  }
  await sql.begin(async (tx) => {
    await tx`
      update carrier_orders set status = 'completed', e164 = ${purchase.e164}, completed_at = now()
      where idempotency_key = ${need.idempotencyKey}`;
    const [user] = await tx<{ office_id: string | null; wanted: boolean }[]>`
      select u.office_id, (u.deleted_at is null and u.active and lt.assigns_did and u.did is null) as wanted
      from users u join license_types lt on lt.id = u.license_type_id
      where u.id = ${userId} for update of u`;
    const wanted = user?.wanted === true;
    // The bought number joins the company's numbers: the user's, or the pool's if no longer needed.
    const inserted = await tx`
      insert into numbers (e164, company_id, office_id, assigned_user_id, source)
      values (${purchase.e164}, ${need.companyId}, ${user?.office_id ?? null}, ${wanted ? userId : null}, 'carrier')
      on conflict (e164) do nothing
      returning e164`;
    if (inserted.length === 0) {
      const [mine] = await tx<{ assigned_user_id: string | null }[]>`
        select assigned_user_id from numbers where e164 = ${purchase.e164} and company_id = ${need.companyId}`;
      if (!mine) throw new Error(`carrier sold ${purchase.e164}, which another company already holds`);
      if (wanted && mine.assigned_user_id === null) {
        await tx`update numbers set assigned_user_id = ${userId} where e164 = ${purchase.e164}`;
      } else if (wanted && mine.assigned_user_id !== userId) {
        throw new Error(`carrier number ${purchase.e164} is assigned to someone else`);
      }
    }
    if (wanted) {
      await tx`update users set did = ${purchase.e164}, error_code = null, version = version + 1, updated_at = now() where id = ${userId}`;
    }
  });
}
