import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { OfficeHints } from "../types.ts";
import { company, input, LICENSES, pool, provisioned, type Scenario, SUPPORT, seat, user, VOICE } from "./fixtures.ts";
import { planBatch } from "./plan-batch.ts";
import { planInChunks } from "./plan-chunks.ts";
import type { Plan, PlanInput, UserPlan } from "./types.ts";

/** A user's decision without the charge id (ids are drawn in a different order chunk by chunk). */
const decision = (u: UserPlan) => ({
  ...u,
  seat: u.seat.type === "bought" ? { ...u.seat, chargeId: "*" } : u.seat,
});
const chunked = (i: PlanInput, size: number): Plan[] => [...planInChunks(i, size)];
const usersOf = (plans: Plan[]) => plans.flatMap((p) => p.users).map(decision);
const charged = (plans: Plan[]) =>
  plans
    .flatMap((p) => p.charges)
    .map((c) => `${c.userId}:${c.officeId}:${c.licenseTypeId}:${c.amountCents}`)
    .sort();
const ordered = (plans: Plan[]) => plans.flatMap((p) => p.carrierOrders).map((o) => `${o.userId}:${o.areaCode}`);

function expectSameAsOneBatch(i: PlanInput, size: number): void {
  const whole = planBatch(i);
  const parts = chunked(i, size);
  expect(usersOf(parts)).toEqual(whole.users.map(decision));
  expect(charged(parts)).toEqual(charged([whole]));
  expect(ordered(parts)).toEqual(ordered([whole]));
  expect(parts.flatMap((p) => p.extensions.assigned)).toEqual(whole.extensions.assigned);
  expect(parts.flatMap((p) => p.numbers.assigned)).toEqual(whole.numbers.assigned);
}

describe("planInChunks: chunk by chunk decides what one planBatch decides", () => {
  test.each<[string, Scenario, number]>([
    [
      "free seats run out in the second chunk, then seats are bought",
      { users: [user(), user(), user(), user(), user()], resources: { seats: [seat("hq", VOICE, 3, 0)] } },
      2,
    ],
    [
      "auto-purchase off: the seats left after the first chunks, then no_license_available",
      {
        users: [user(), user(), user(), user()],
        company: { autoPurchase: false },
        resources: { seats: [seat("hq", VOICE, 2, 0)] },
      },
      1,
    ],
    [
      "office pool, then unbound numbers, then the carrier, across chunks",
      {
        users: [user(), user(), user({ officeHints: { officeName: "Berlin" } }), user(), user()],
        resources: { numbers: pool({ hq: ["+14155550001"], ber: ["+4930000001"] }, ["+14155550100"]) },
      },
      2,
    ],
    [
      "the extension range runs out mid-way: the rest wait with no_extension_available",
      { users: [user(), user(), user(), user()], resources: { extensions: [100, 101, 102] } },
      2,
    ],
    [
      "a user refused a seat still counted against the range, as in one batch",
      {
        users: [user(), user({ licenseTypeId: SUPPORT }), user(), user({ licenseTypeId: SUPPORT })],
        company: { autoPurchase: false },
        resources: { extensions: [100, 101, 102], seats: [seat("hq", SUPPORT, 2, 0)] },
      },
      1,
    ],
    [
      "inactive creates and a company without offices take nothing",
      {
        users: [user({ desiredActive: false }), user(), user({ desiredActive: false }), user()],
        company: { offices: [] },
      },
      1,
    ],
    [
      "the office match reads the seats as loaded in every chunk, like one batch",
      {
        users: [user({ officeHints: { country: "DE" } }), user({ officeHints: { country: "DE" } })],
        company: {
          seats: [seat("ber", VOICE, 1, 0)],
          offices: [
            ...company().offices,
            { id: "muc", name: "Munich", country: "DE", main: false, createdAt: new Date(0) },
          ],
        },
        resources: { seats: [seat("ber", VOICE, 1, 0)] },
      },
      1,
    ],
  ])("%s", (_, scenario, size) => {
    const i = input(scenario);
    expectSameAsOneBatch(i, size);
    expect(chunked(i, size)).toHaveLength(Math.ceil(scenario.users.length / size));
  });

  test("the chunks report each user once, in input order", () => {
    const users = Array.from({ length: 7 }, () => user());
    expect(usersOf(chunked(input({ users }), 3)).map((u) => u.userId)).toEqual(users.map((u) => u.id));
  });

  test.each([0, -1, 1.5, Number.NaN])("a chunk size of %s is a bug", (size) => {
    expect(() => chunked(input({ users: [user()] }), size)).toThrow(RangeError);
  });

  test.each<[string, Scenario]>([
    ["a provisioned user (it could release)", { users: [user(), provisioned()] }],
    ["a deleted user", { users: [user({ deleted: true })] }],
    ["an admin request", { users: [user()], requests: { x: { officeId: "ber" } } }],
  ])("%s is refused: chunks would not equal one batch", (_, scenario) => {
    expect(() => chunked(input(scenario), 1)).toThrow(RangeError);
  });
});

const HINTS: OfficeHints[] = [
  {},
  { officeName: "Berlin" },
  { physicalDeliveryOfficeName: "london" },
  { department: "HQ" },
  { country: "DE" },
  { country: "gb", department: "Sales" },
  { officeName: "Berln" },
  { department: "n/a" },
  { country: "FR" },
];
const arbitraryScenario = fc.record({
  users: fc.array(
    fc.record({
      hints: fc.constantFrom(...HINTS),
      license: fc.constantFrom(...LICENSES.map((l) => l.id)),
      active: fc.boolean(),
    }),
    { minLength: 0, maxLength: 40 },
  ),
  autoPurchase: fc.boolean(),
  seats: fc.array(
    fc.record({
      office: fc.constantFrom("hq", "ber", "lon"),
      license: fc.constantFrom(...LICENSES.map((l) => l.id)),
      purchased: fc.nat(6),
      used: fc.nat(6),
    }),
    { maxLength: 6 },
  ),
  officeNumbers: fc.nat(6),
  unbound: fc.nat(6),
  extensions: fc.nat(45),
  chunkSize: fc.integer({ min: 1, max: 45 }),
});

test("property: any new users, any resources, any chunk size give the one-batch decisions", () => {
  fc.assert(
    fc.property(arbitraryScenario, (s) => {
      const numbers = (prefix: string, n: number) =>
        Array.from({ length: n }, (_, k) => `${prefix}${String(k).padStart(3, "0")}`);
      const i = input({
        users: s.users.map((u) => user({ officeHints: u.hints, licenseTypeId: u.license, desiredActive: u.active })),
        company: {
          autoPurchase: s.autoPurchase,
          seats: s.seats.map((r) => seat(r.office, r.license, r.purchased, r.used)),
        },
        resources: {
          seats: s.seats.map((r) => seat(r.office, r.license, r.purchased, r.used)),
          numbers: pool(
            { hq: numbers("+1415555", s.officeNumbers), ber: numbers("+4930000", s.officeNumbers) },
            numbers("+1999000", s.unbound),
          ),
          extensions: Array.from({ length: s.extensions }, (_, k) => 100 + k),
        },
      });
      expectSameAsOneBatch(i, s.chunkSize);
    }),
    { numRuns: 400 },
  );
});
