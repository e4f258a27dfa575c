import type { Sql } from "@scimline/db";
import type { CarrierPort } from "../carrier/port.ts";

export class NoNumberAvailableError extends Error {
  constructor(areaCode: string) {
    super(`no_number_available: the pool is empty and the carrier has no number in area code ${areaCode}`);
    this.name = "NoNumberAvailableError";
  }
}

/**
 * Places the carrier order a plan recorded (its intent row exists, with its key): the carrier is
 * called with that key, so a retry gets the same number, and the result is recorded on the order.
 * The next reconcile of the user assigns the number (the plan's carrier step); nothing else is written here.
 */
export async function placeCarrierOrder(
  sql: Sql,
  carrier: CarrierPort,
  order: { areaCode: string; idempotencyKey: string },
): Promise<void> {
  const purchase = await carrier.buyNumber(order);
  if (purchase.type === "unavailable") {
    await sql`update carrier_orders set status = 'unavailable' where idempotency_key = ${order.idempotencyKey} and status = 'pending'`;
    throw new NoNumberAvailableError(order.areaCode);
  }
  await sql`
    update carrier_orders set status = 'completed', e164 = ${purchase.e164}, completed_at = coalesce(completed_at, now())
    where idempotency_key = ${order.idempotencyKey}`;
}
