import { describe, expect, test } from "vitest";
import { input, provisioned, run, SALES, type Scenario, SUPPORT, seat, typesOf, user, VOICE } from "./fixtures.ts";
import { planInChunks } from "./plan-chunks.ts";

// TODAY is 2026-11-29, billing day 1: a seat bought now costs 2/30 of a month:
// Voice 1500 → 100 cents, Sales 3000 → 200, Support 2500 → 167.
const NOV = "2026-11-01";
const charged = (cents: number, period = NOV) => new Map([[period, cents]]);

type Row = [string, Scenario, { seats: string[]; failures: (string | null)[]; charges: number[] }];

describe("planBatch: the monthly spend cap", () => {
  const outcome = (s: Scenario) => {
    const plan = run(s);
    return {
      seats: plan.users.map((u) => u.seat.type),
      failures: plan.users.map((u) => u.failure),
      charges: plan.charges.map((c) => c.amountCents),
    };
  };
  test.each<Row>([
    [
      "no cap: every seat bought",
      { users: [user(), user(), user()] },
      { seats: ["bought", "bought", "bought"], failures: [null, null, null], charges: [100, 100, 100] },
    ],
    [
      "null cap: no cap",
      { users: [user(), user()], company: { monthlySpendCapCents: null } },
      { seats: ["bought", "bought"], failures: [null, null], charges: [100, 100] },
    ],
    [
      "a cap the batch stays under",
      { users: [user(), user(), user()], company: { monthlySpendCapCents: 1000 } },
      { seats: ["bought", "bought", "bought"], failures: [null, null, null], charges: [100, 100, 100] },
    ],
    [
      "the purchase that would pass the cap waits in failed/spend_cap_reached",
      { users: [user(), user(), user()], company: { monthlySpendCapCents: 250 } },
      {
        seats: ["bought", "bought", "refused"],
        failures: [null, null, "spend_cap_reached"],
        charges: [100, 100],
      },
    ],
    [
      "reaching the cap exactly is allowed",
      { users: [user()], company: { monthlySpendCapCents: 200 }, resources: { chargedCents: charged(100) } },
      { seats: ["bought"], failures: [null], charges: [100] },
    ],
    [
      "what the period's charges already sum to counts",
      { users: [user()], company: { monthlySpendCapCents: 250 }, resources: { chargedCents: charged(200) } },
      { seats: ["refused"], failures: ["spend_cap_reached"], charges: [] },
    ],
    [
      "charges of an earlier period do not",
      {
        users: [user()],
        company: { monthlySpendCapCents: 250 },
        resources: { chargedCents: charged(5000, "2026-10-01") },
      },
      { seats: ["bought"], failures: [null], charges: [100] },
    ],
    [
      "a free seat is reused whatever the cap",
      { users: [user()], company: { monthlySpendCapCents: 0 }, resources: { seats: [seat("hq", VOICE, 2, 1)] } },
      { seats: ["reused"], failures: [null], charges: [] },
    ],
    [
      "a seat freed in the batch is reused before one would be bought",
      {
        users: [provisioned({ desiredActive: false, generation: 3, appliedGeneration: 2 }), user()],
        company: { monthlySpendCapCents: 0 },
        resources: { seats: [seat("hq", VOICE, 1, 1)] },
      },
      { seats: ["none", "reused"], failures: [null, null], charges: [] },
    ],
    [
      "the budget is shared by the batch's license types, in the order they are asked",
      {
        users: [user({ licenseTypeId: SALES }), user({ licenseTypeId: VOICE }), user({ licenseTypeId: SUPPORT })],
        company: { monthlySpendCapCents: 250 },
      },
      {
        seats: ["bought", "refused", "refused"],
        failures: [null, "spend_cap_reached", "spend_cap_reached"],
        charges: [200],
      },
    ],
    [
      "a cheaper type may still fit after a dearer one does not",
      {
        users: [user({ licenseTypeId: SUPPORT }), user({ licenseTypeId: VOICE })],
        company: { monthlySpendCapCents: 120 },
      },
      { seats: ["refused", "bought"], failures: ["spend_cap_reached", null], charges: [100] },
    ],
    [
      "auto-purchase off: the seat is not for sale at all (no_license_available)",
      { users: [user()], company: { monthlySpendCapCents: 0, autoPurchase: false } },
      { seats: ["refused"], failures: ["no_license_available"], charges: [] },
    ],
    [
      "a free license type is never capped",
      {
        users: [user(), user()],
        company: {
          monthlySpendCapCents: 0,
          licenseTypes: new Map([[VOICE, { id: VOICE, name: "Free", monthlyPriceCents: 0, assignsDid: true }]]),
        },
      },
      { seats: ["bought", "bought"], failures: [null, null], charges: [0, 0] },
    ],
  ])("%s", (_, scenario, expected) => {
    expect(outcome(scenario)).toEqual(expected);
  });

  test("a user waiting for the cap records user.failed with the code, and holds nothing new", () => {
    const waiting = user();
    const plan = run({ users: [waiting], company: { monthlySpendCapCents: 50 } });
    expect(typesOf(plan, waiting.id)).toEqual(["user.office_matched", "user.failed"]);
    expect(plan.events.at(-1)?.data).toEqual({ code: "spend_cap_reached" });
    expect(plan.users[0]?.row).toMatchObject({
      status: "failed",
      errorCode: "spend_cap_reached",
      did: null,
      extension: null,
    });
    expect(plan.seats).toEqual([]);
    expect(plan.numbers.assigned).toEqual([]);
  });

  test("planned chunk by chunk, the cap counts the earlier chunks' charges (as one batch would)", () => {
    const users = [user(), user(), user(), user()];
    const scenario: Scenario = {
      users,
      company: { monthlySpendCapCents: 250 },
      resources: { chargedCents: charged(0) },
    };
    const chunks = [...planInChunks(input(scenario), 1)];
    expect(chunks.flatMap((p) => p.users.map((u) => u.failure))).toEqual(run(scenario).users.map((u) => u.failure));
    expect(chunks.flatMap((p) => p.charges).length).toBe(2);
  });
});
