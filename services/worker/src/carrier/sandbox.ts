import type { Sql } from "@scimline/db";
import { sandboxCarrierNumber } from "@scimline/domain";
import type { CarrierPort, CarrierPurchase } from "./port.ts";

/**
 * The built-in sandbox carrier (docs/RULES.md): sells +1 <area> 555 01XX, the numbers reserved
 * for fiction, each at most once, in ascending order, `perAreaCode` of them. It keeps its
 * own books (table sandbox_carrier_sales) as an outside system would, and never sells a
 * number already in service in the phone system.
 */
export class SandboxCarrier implements CarrierPort {
  constructor(
    private readonly sql: Sql,
    private readonly perAreaCode: number,
  ) {}

  async buyNumber({
    areaCode,
    idempotencyKey,
  }: {
    areaCode: string;
    idempotencyKey: string;
  }): Promise<CarrierPurchase> {
    return this.sql.begin(async (tx) => {
      // One seller per area code at a time keeps the order ascending and each number sold once.
      await tx`select pg_advisory_xact_lock(hashtext(${`sandbox-carrier:${areaCode}`}))`;
      const [previous] = await tx<
        { e164: string }[]
      >`select e164 from sandbox_carrier_sales where idempotency_key = ${idempotencyKey}`;
      if (previous) return { type: "purchased", e164: previous.e164 };
      const sold = await tx<{ seq: number }[]>`select seq from sandbox_carrier_sales where area_code = ${areaCode}`;
      const taken = new Set(sold.map((r) => r.seq));
      const candidates: string[] = [];
      for (let seq = 0; seq < this.perAreaCode; seq++)
        if (!taken.has(seq)) candidates.push(sandboxCarrierNumber(areaCode, seq));
      if (candidates.length === 0) return { type: "unavailable" };
      const inService = new Set(
        (await tx<{ e164: string }[]>`select e164 from numbers where e164 = any(${tx.array(candidates)}::text[])`).map(
          (r) => r.e164,
        ),
      );
      const e164 = candidates.find((n) => !inService.has(n));
      if (!e164) return { type: "unavailable" };
      const seq = Number(e164.slice(-2));
      await tx`insert into sandbox_carrier_sales (e164, area_code, seq, idempotency_key) values (${e164}, ${areaCode}, ${seq}, ${idempotencyKey})`;
      return { type: "purchased", e164 };
    });
  }
}
