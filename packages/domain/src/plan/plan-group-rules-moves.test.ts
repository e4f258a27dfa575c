import { describe, expect, test } from "vitest";
import type { GroupRule } from "../group-rules.ts";
import { only, pool, provisioned, run, SALES, SUPPORT, seat, typesOf, VOICE } from "./fixtures.ts";
import { LONDON_GROUP, londonRule, RULES, rule, SALES_GROUP, withRules } from "./rules-fixtures.ts";
import type { PlanUser } from "./types.ts";

// Group rules in the plan, for a provisioned user: what a change of its memberships or of the rules
// does (the seat moves, DID and extension stay; no applying rule: it stays).
describe("a provisioned user whose memberships or rules change", () => {
  const inHq = (over: Partial<PlanUser> = {}) => provisioned({ groups: [SALES_GROUP], ...over });

  test("joining a ruled group moves office and license: seat released and taken there, DID and extension kept", () => {
    const u = inHq();
    const plan = run(
      withRules({ users: [u], resources: { seats: [seat("hq", VOICE, 1, 1), seat("ber", SALES, 0, 0)] } }),
    );
    const p = only(plan);
    expect(p.row).toMatchObject({
      status: "active",
      officeId: "ber",
      matchedBy: "groupRule",
      matchedRuleId: "r-sales",
      licenseTypeId: SALES,
      seatLicenseTypeId: SALES,
      did: u.did,
      extension: u.extension,
    });
    expect(p.seat).toMatchObject({ type: "bought", officeId: "ber", chargeCents: 200 });
    expect(typesOf(plan)).toEqual(["user.office_changed", "user.license_changed", "seat.released", "seat.purchased"]);
    expect(plan.events[0]?.data).toEqual({
      fromOfficeId: "hq",
      toOfficeId: "ber",
      cause: "groupRule",
      ruleId: "r-sales",
      groupId: "g-sales",
      groupName: "Sales",
    });
    expect(plan.numbers.released).toEqual([]);
    expect(plan.extensions).toEqual({ released: [], assigned: [] });
  });

  test("a license-only rule changes the seat's type in the same office; Support gives the DID back", () => {
    const support = rule("r-support", { licenseTypeId: SUPPORT });
    const u = inHq();
    const plan = run(withRules({ users: [u], resources: { seats: [seat("hq", VOICE, 1, 1)] } }, [support]));
    expect(only(plan).row).toMatchObject({
      officeId: "hq",
      matchedBy: "mainOffice",
      licenseTypeId: SUPPORT,
      did: null,
    });
    expect(typesOf(plan)).toEqual(["user.license_changed", "seat.released", "number.released", "seat.purchased"]);
  });

  test.each<[string, Partial<PlanUser>, GroupRule[]]>([
    [
      "it left its last ruled group",
      { groups: [], officeId: "ber", matchedBy: "groupRule", matchedRuleId: "r-sales" },
      RULES,
    ],
    ["its rule was deleted", { officeId: "ber", matchedBy: "groupRule", matchedRuleId: "r-gone" }, [londonRule]],
    ["an admin pinned it", { pinned: true }, RULES],
    ["its own office attribute chose its office (the rule only licenses)", { matchedBy: "officeName" }, [londonRule]],
  ])("it stays where it is when %s", (_, over, rules) => {
    const u = inHq(over);
    const plan = run(withRules({ users: [u], resources: { seats: [seat(u.officeId ?? "", VOICE, 1, 1)] } }, rules));
    expect(only(plan).row).toMatchObject({ officeId: u.officeId, licenseTypeId: VOICE, did: u.did, status: "active" });
    expect(plan.events).toEqual([]);
    expect(plan.charges).toEqual([]);
  });

  test("leaving the higher-priority group: the remaining rule decides", () => {
    const u = inHq({ officeId: "lon", matchedBy: "groupRule", matchedRuleId: "r-london", licenseTypeId: SALES });
    const plan = run(
      withRules({
        users: [{ ...u, seatLicenseTypeId: SALES }],
        resources: { seats: [seat("lon", SALES, 1, 1), seat("ber", SALES, 1, 0)] },
      }),
    );
    expect(only(plan).row).toMatchObject({ officeId: "ber", matchedRuleId: "r-sales", seatLicenseTypeId: SALES });
    expect(only(plan).seat.type).toBe("reused");
  });

  test("two users swapping offices reuse each other's seats: nothing is bought", () => {
    const toBer = inHq({ seatLicenseTypeId: SALES, licenseTypeId: SALES });
    const toLon = inHq({
      officeId: "ber",
      groups: [LONDON_GROUP],
      seatLicenseTypeId: SALES,
      licenseTypeId: SALES,
      did: "+4930000009",
      extension: 101,
    });
    const plan = run(
      withRules({
        users: [toBer, toLon],
        resources: { seats: [seat("hq", SALES, 1, 1), seat("ber", SALES, 1, 1), seat("lon", SALES, 1, 0)] },
      }),
    );
    expect(plan.users.map((p) => [p.row.officeId, p.seat.type])).toEqual([
      ["ber", "reused"],
      ["lon", "reused"],
    ]);
    expect(plan.charges).toEqual([]);
  });

  test("a suspended user is not moved; the rules apply when it is reactivated", () => {
    const u = inHq({ desiredActive: false });
    const suspended = run(withRules({ users: [u], resources: { seats: [seat("hq", VOICE, 1, 1)] } }));
    expect(only(suspended).row).toMatchObject({ status: "suspended", officeId: "hq", licenseTypeId: VOICE });
    const back = inHq({ status: "suspended", seatLicenseTypeId: null });
    const reactivated = run(withRules({ users: [back], resources: { seats: [seat("ber", SALES, 1, 0)] } }));
    expect(only(reactivated).row).toMatchObject({ status: "active", officeId: "ber", licenseTypeId: SALES });
  });

  test("a rerun after the move owes nothing: no event, no seat change", () => {
    const moved = inHq({
      officeId: "ber",
      matchedBy: "groupRule",
      matchedRuleId: "r-sales",
      licenseTypeId: SALES,
      seatLicenseTypeId: SALES,
    });
    const plan = run(withRules({ users: [moved], resources: { numbers: pool({}) } }));
    expect(plan.events).toEqual([]);
    expect(plan.seats).toEqual([]);
    expect(only(plan).seat.type).toBe("kept");
  });
});
