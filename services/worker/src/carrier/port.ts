/** A telephony carrier we buy numbers from. Purchases are idempotent by key. */
export type CarrierPurchase = { type: "purchased"; e164: string } | { type: "unavailable" };

export interface CarrierPort {
  buyNumber(request: { areaCode: string; idempotencyKey: string }): Promise<CarrierPurchase>;
}
