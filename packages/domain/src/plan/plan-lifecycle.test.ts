import { describe, expect, test } from "vitest";
import { input, OFFICES, only, pool, run, SUPPORT, seat, user, VOICE } from "./fixtures.ts";
import { planBatch } from "./plan-batch.ts";
import type { PlanUser } from "./types.ts";

// The lifecycle over every combination of what a user wants and what it holds, with resources to
// spare: whatever state a crash or a change left it in, one plan brings it to its desired state.
const flags = [false, true] as const;
type Combo = { deleted: boolean; desiredActive: boolean; licenseTypeId: string } & Pick<
  PlanUser,
  "officeId" | "seatLicenseTypeId" | "did" | "extension"
>;
const combos: Combo[] = [];
for (const deleted of flags)
  for (const desiredActive of flags)
    for (const licenseTypeId of [VOICE, SUPPORT])
      for (const officeId of [null, "hq"])
        for (const seatLicenseTypeId of officeId ? [null, VOICE, SUPPORT] : [null])
          for (const did of [null, "+14155550100"])
            for (const extension of [null, 100])
              combos.push({ deleted, desiredActive, licenseTypeId, officeId, seatLicenseTypeId, did, extension });

const plenty = {
  seats: OFFICES.flatMap((o) => [seat(o.id, VOICE, 10, 2), seat(o.id, SUPPORT, 10, 2)]),
  numbers: pool({ hq: ["+14155550200", "+14155550201"] }, ["+14155550300"]),
  extensions: [101, 102, 103],
};

describe(`every one of ${combos.length} states reaches its desired state in one plan`, () => {
  test.each(combos)("%j", (c) => {
    const u = user({ ...c, status: c.desiredActive ? "provisioning" : "suspended" });
    const plan = run({ users: [u], resources: plenty });
    const [decided] = plan.users;
    if (!decided) throw new Error("no decision");
    const released = plan.numbers.released.map((n) => n.e164);
    if (c.deleted) {
      // Delete: everything held goes back, nothing is taken, the user is erased.
      expect(decided.outcome).toEqual({ type: "erased" });
      expect(released).toEqual(c.did ? [c.did] : []);
      expect(plan.extensions.released.map((e) => e.extension)).toEqual(c.extension === null ? [] : [c.extension]);
      expect(plan.numbers.assigned).toEqual([]);
      expect(plan.charges).toEqual([]);
      return;
    }
    if (!c.desiredActive) {
      // Deactivate: the seat is freed (no refund), DID and extension kept, nothing acquired.
      expect(decided.row).toMatchObject({
        status: "suspended",
        seatLicenseTypeId: null,
        did: c.did,
        extension: c.extension,
      });
      expect(plan.numbers.assigned).toEqual([]);
      expect(plan.extensions.assigned).toEqual([]);
      expect(plan.charges).toEqual([]);
      return;
    }
    // Create, reactivate, finish after a crash, or a license change: active with everything its type needs.
    const wantsDid = c.licenseTypeId === VOICE;
    expect(decided.row.status).toBe("active");
    expect(decided.row.officeId).not.toBeNull();
    expect(decided.row.seatLicenseTypeId).toBe(c.licenseTypeId);
    expect(decided.row.did !== null).toBe(wantsDid);
    if (wantsDid && c.did) expect(decided.row.did).toBe(c.did); // a DID held is kept
    if (!wantsDid && c.did) expect(released).toEqual([c.did]); // a type without DIDs gives it back
    expect(decided.row.extension).toBe(c.extension ?? 101);
    // One seat change per pair at most, and a held seat of the right type is never bought again.
    if (c.seatLicenseTypeId === c.licenseTypeId) expect(plan.charges).toEqual([]);
    expect(decided.applied).toBe(true);
  });
});

describe("planBatch: giving up", () => {
  test("a give-up for an older generation is ignored: the newer change has its own work", () => {
    const u = user({ generation: 3 });
    const base = input({ users: [u], resources: { numbers: pool({}, ["+1415"]) } });
    const plan = planBatch({ ...base, giveUp: new Map([[u.id, { code: "provisioning_error", generation: 2 }]]) });
    expect(only(plan).row.status).toBe("active");
  });

  test("a user already waiting for an admin keeps its code", () => {
    const u = user({ status: "failed", errorCode: "no_license_available", officeId: "hq" });
    const plan = run({ users: [u], giveUp: { [u.id]: "provisioning_error" } });
    expect(only(plan).row).toMatchObject({ status: "failed", errorCode: "no_license_available" });
    expect(plan.events).toEqual([]);
  });
});
