import { describe, expect, test } from "vitest";
import type { GroupRule } from "../group-rules.ts";
import { only, pool, provisioned, run, SALES, type Scenario, SUPPORT, seat, typesOf, user, VOICE } from "./fixtures.ts";
import { ruleAt as at, LONDON_GROUP, RULES, rule, SALES_GROUP, withRules } from "./rules-fixtures.ts";
import type { PlanUser } from "./types.ts";

// Group rules in the plan, for a new user: who decides its office and license type.
type Expect = {
  office: string;
  matchedBy: string;
  ruleId?: string | null;
  license: string;
  events?: string[];
  status?: string;
};
type Row = [string, PlanUser, Expect, Partial<Scenario>?];

const BOTH = {
  resources: {
    seats: [seat("hq", VOICE, 5, 0), seat("ber", SALES, 5, 0)],
    numbers: pool({}, ["+14155550001", "+14155550002"]),
  },
};

describe("a new user: office attribute and IdP license > best rule > fallback", () => {
  test.each<Row>([
    [
      "no office attribute, in a ruled group: the rule's office and license",
      user({ groups: [SALES_GROUP] }),
      {
        office: "ber",
        matchedBy: "groupRule",
        ruleId: "r-sales",
        license: SALES,
        events: [
          "user.office_matched",
          "user.license_changed",
          "seat.reused",
          "extension.assigned",
          "number.assigned",
          "user.provisioned",
        ],
      },
    ],
    [
      "an officeName that names an office wins over the rule's office; the rule still licenses",
      user({ groups: [SALES_GROUP], officeHints: { officeName: "london" } }),
      { office: "lon", matchedBy: "officeName", ruleId: null, license: SALES },
    ],
    [
      "a department that names no office does not count: the rule decides",
      user({ groups: [SALES_GROUP], officeHints: { department: "Field Sales" } }),
      { office: "ber", matchedBy: "groupRule", ruleId: "r-sales", license: SALES },
    ],
    [
      "a country is only a fallback: the rule wins over it",
      user({ groups: [SALES_GROUP], officeHints: { country: "GB" } }),
      { office: "ber", matchedBy: "groupRule", license: SALES },
    ],
    [
      "a licenseType the IdP sent wins over the rule's",
      user({ groups: [SALES_GROUP], licenseTypeId: SUPPORT, licenseExplicit: true }),
      { office: "ber", matchedBy: "groupRule", license: SUPPORT },
    ],
    [
      "in no ruled group: the fallback (main office, the license it came with)",
      user({ groups: [{ id: "g-x", displayName: "Everyone" }] }),
      { office: "hq", matchedBy: "mainOffice", ruleId: null, license: VOICE },
    ],
    [
      "two ruled groups: the higher priority decides the office; the license from the best rule that sets one",
      user({ groups: [SALES_GROUP, LONDON_GROUP] }),
      { office: "lon", matchedBy: "groupRule", ruleId: "r-london", license: SALES },
    ],
    [
      "a pinned user ignores rules",
      user({ groups: [SALES_GROUP], pinned: true }),
      { office: "hq", matchedBy: "mainOffice", license: VOICE, events: ["user.office_matched", "seat.reused"] },
    ],
  ])("%s", (_, u, expected, extra = {}) => {
    const plan = run(withRules({ users: [u], ...BOTH, ...extra }));
    const p = only(plan);
    expect(p.row).toMatchObject({
      status: expected.status ?? "active",
      officeId: expected.office,
      matchedBy: expected.matchedBy,
      licenseTypeId: expected.license,
      seatLicenseTypeId: expected.license,
    });
    if (expected.ruleId !== undefined) expect(p.row.matchedRuleId).toBe(expected.ruleId);
    if (expected.events) expect(typesOf(plan).slice(0, expected.events.length)).toEqual(expected.events);
  });

  test("the events name the rule and the group", () => {
    const u = user({ groups: [SALES_GROUP] });
    const plan = run(withRules({ users: [u], ...BOTH }));
    const ref = { ruleId: "r-sales", groupId: "g-sales", groupName: "Sales" };
    expect(plan.events.slice(0, 2)).toEqual([
      {
        type: "user.office_matched",
        companyId: "c1",
        userId: u.id,
        data: { officeId: "ber", officeName: "Berlin", matchedBy: "groupRule", matchedValue: "Sales", ...ref },
      },
      {
        type: "user.license_changed",
        companyId: "c1",
        userId: u.id,
        data: { from: "Dialpad_Ai Voice", to: "Dialpad_Ai Sales", cause: "groupRule", ...ref },
      },
    ]);
  });

  test("a company without rules ignores the user's groups", () => {
    const p = only(run({ users: [user({ groups: [SALES_GROUP] })] }));
    expect(p.row).toMatchObject({ officeId: "hq", matchedBy: "mainOffice", licenseTypeId: VOICE });
  });

  test("priority tie: the rule created first wins", () => {
    const older = rule("r-old", {
      group: { displayName: "London team" },
      officeId: "lon",
      priority: 3,
      createdAt: at(1),
    });
    const newer = rule("r-new", { officeId: "ber", priority: 3, createdAt: at(9) });
    const p = only(run(withRules({ users: [user({ groups: [SALES_GROUP, LONDON_GROUP] })] }, [newer, older])));
    expect(p.row).toMatchObject({ officeId: "lon", matchedRuleId: "r-old" });
  });

  test("a rule's license type the catalogue lacks is ignored", () => {
    const odd = rule("r-odd", { licenseTypeId: "lt-gone", officeId: "ber" });
    const p = only(run(withRules({ users: [user({ groups: [SALES_GROUP] })] }, [odd])));
    expect(p.row).toMatchObject({ officeId: "ber", licenseTypeId: VOICE });
  });

  test("auto-purchase off and the rule's office full: waits there for a seat (no seat taken elsewhere)", () => {
    const plan = run(
      withRules({
        users: [user({ groups: [SALES_GROUP] })],
        company: { autoPurchase: false },
        resources: { seats: [seat("hq", VOICE, 5, 0), seat("ber", SALES, 1, 1)] },
      }),
    );
    expect(only(plan).row).toMatchObject({ status: "failed", errorCode: "no_license_available", officeId: "ber" });
    expect(plan.seats).toEqual([]);
  });
});

describe("the hold window: a new user waits for its memberships", () => {
  const until = new Date("2026-11-29T10:05:00Z");
  type HoldRow = [string, PlanUser, boolean, GroupRule[]?];
  test.each<HoldRow>([
    ["in no ruled group yet, the window open: waits", user({ holdUntil: until }), true],
    [
      "a group no rule names is no membership: waits",
      user({ holdUntil: until, groups: [{ id: "g", displayName: "All" }] }),
      true,
    ],
    ["its membership arrived: provisioned at once", user({ holdUntil: until, groups: [SALES_GROUP] }), false],
    [
      "a membership of a license-only rule ends the wait too",
      user({ holdUntil: until, groups: [SALES_GROUP] }),
      false,
      [rule("r-lic", { licenseTypeId: SALES })],
    ],
    ["the window closed (no holdUntil): provisioned by the fallback", user({ holdUntil: null }), false],
    [
      "an office attribute that names an office: no wait",
      user({ holdUntil: until, officeHints: { officeName: "Berlin" } }),
      false,
    ],
    [
      "an office attribute that names no office still waits",
      user({ holdUntil: until, officeHints: { department: "Field" } }),
      true,
    ],
    ["a pinned user does not wait", user({ holdUntil: until, pinned: true }), false],
    ["a company without rules does not wait", user({ holdUntil: until }), false, []],
    ["a placed user (an office already) never waits", provisioned({ holdUntil: until, groups: [] }), false],
  ])("%s", (_, u, waits, rules = RULES) => {
    const plan = run(withRules({ users: [u], ...BOTH }, rules));
    const p = only(plan);
    if (waits) {
      expect(p).toMatchObject({
        applied: false,
        outcome: { type: "awaiting_group_rules", until },
        row: { status: "provisioning", errorCode: "awaiting_group_rules", officeId: null, seatLicenseTypeId: null },
        seat: { type: "none" },
        number: { type: "none" },
      });
      expect(plan.events).toEqual([]);
      expect(plan.seats).toEqual([]);
      expect(plan.charges).toEqual([]);
    } else {
      expect(p.outcome.type).not.toBe("awaiting_group_rules");
      expect(p.row.errorCode).toBeNull();
    }
  });

  test("a waiting user takes nothing a batch neighbour could use", () => {
    const waiting = user({ holdUntil: until });
    const other = user({ officeHints: { officeName: "HQ" } });
    const plan = run(
      withRules({
        users: [waiting, other],
        resources: { seats: [seat("hq", VOICE, 1, 0)], numbers: pool({}, ["+1415"]) },
      }),
    );
    expect(plan.users.map((p) => [p.row.status, p.row.extension, p.row.did])).toEqual([
      ["provisioning", null, null],
      ["active", 100, "+1415"],
    ]);
  });

  test("an admin's DID for a waiting user is applied; the user still waits", () => {
    const waiting = user({ holdUntil: until });
    const plan = run(
      withRules({ users: [waiting], requests: { [waiting.id]: { did: { e164: "+1415", officeId: null } } } }),
    );
    expect(only(plan)).toMatchObject({ outcome: { type: "awaiting_group_rules" }, row: { did: "+1415" } });
  });
});
