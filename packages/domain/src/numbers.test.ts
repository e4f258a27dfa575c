import { describe, expect, test } from "vitest";
import {
  isAreaCode,
  isE164,
  type NumberAssignment,
  type NumberRequest,
  planNumberAssignments,
  sandboxCarrierNumber,
} from "./numbers.ts";

const A1 = "+14155550100";
const A2 = "+14155550101";
const A3 = "+14155550102";
const B1 = "+442071234567";
const B2 = "+442071234568";
const U1 = "+12125550100";
const U2 = "+12125550101";

function pool(byOffice: Record<string, string[]>, unbound: string[] = []) {
  return { byOffice: new Map(Object.entries(byOffice)), unbound };
}

const req = (userId: string, officeId: string): NumberRequest => ({ userId, officeId });
const office = (userId: string, e164: string): NumberAssignment => ({ userId, e164, source: "office_pool" });
const unbound = (userId: string, e164: string): NumberAssignment => ({ userId, e164, source: "unbound_pool" });

describe("planNumberAssignments", () => {
  test.each([
    {
      name: "own office's lowest number",
      requests: [req("u1", "a")],
      pool: pool({ a: [A1, A2] }, [U1]),
      expected: { assignments: [office("u1", A1)], needCarrier: [] },
    },
    {
      name: "unbound when the office has none",
      requests: [req("u1", "a")],
      pool: pool({ a: [] }, [U1, U2]),
      expected: { assignments: [unbound("u1", U1)], needCarrier: [] },
    },
    {
      name: "unbound when the office is not in the map",
      requests: [req("u1", "z")],
      pool: pool({ a: [A1] }, [U1]),
      expected: { assignments: [unbound("u1", U1)], needCarrier: [] },
    },
    {
      name: "never another office's number",
      requests: [req("u1", "b")],
      pool: pool({ a: [A1, A2] }),
      expected: { assignments: [], needCarrier: ["u1"] },
    },
    {
      name: "empty pool: carrier",
      requests: [req("u1", "a"), req("u2", "a")],
      pool: pool({}),
      expected: { assignments: [], needCarrier: ["u1", "u2"] },
    },
    {
      name: "batch in ascending order within the office",
      requests: [req("u1", "a"), req("u2", "a"), req("u3", "a")],
      pool: pool({ a: [A1, A2, A3] }),
      expected: { assignments: [office("u1", A1), office("u2", A2), office("u3", A3)], needCarrier: [] },
    },
    {
      name: "office first, then unbound, then carrier",
      requests: [req("u1", "a"), req("u2", "a"), req("u3", "a"), req("u4", "a")],
      pool: pool({ a: [A1] }, [U1, U2]),
      expected: { assignments: [office("u1", A1), unbound("u2", U1), unbound("u3", U2)], needCarrier: ["u4"] },
    },
    {
      name: "two offices share the unbound pool in request order",
      requests: [req("u1", "a"), req("u2", "b"), req("u3", "a"), req("u4", "b"), req("u5", "b")],
      pool: pool({ a: [A1], b: [B1] }, [U1, U2]),
      expected: {
        assignments: [office("u1", A1), office("u2", B1), unbound("u3", U1), unbound("u4", U2)],
        needCarrier: ["u5"],
      },
    },
    {
      name: "a number listed both in an office and unbound is given once",
      requests: [req("u1", "a"), req("u2", "b")],
      pool: pool({ a: [A1] }, [A1, U1]),
      expected: { assignments: [office("u1", A1), unbound("u2", U1)], needCarrier: [] },
    },
    {
      name: "a number listed twice in one office is given once",
      requests: [req("u1", "a"), req("u2", "a")],
      pool: pool({ a: [A1, A1] }),
      expected: { assignments: [office("u1", A1)], needCarrier: ["u2"] },
    },
    {
      name: "two offices sharing one list object do not double-assign",
      requests: [req("u1", "a"), req("u2", "b"), req("u3", "a")],
      pool: (() => {
        const shared = [B1, B2];
        return {
          byOffice: new Map([
            ["a", shared],
            ["b", shared],
          ]),
          unbound: [],
        };
      })(),
      expected: { assignments: [office("u1", B1), office("u2", B2)], needCarrier: ["u3"] },
    },
    {
      name: "no requests",
      requests: [],
      pool: pool({ a: [A1] }, [U1]),
      expected: { assignments: [], needCarrier: [] },
    },
  ])("$name", ({ requests, pool, expected }) => {
    const plan = planNumberAssignments(requests, pool);
    expect(plan).toEqual(expected);
    const numbers = plan.assignments.map((a) => a.e164);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  test("a big burst never hands a number out twice and serves everyone it can", () => {
    const byOffice: Record<string, string[]> = {};
    const requests: NumberRequest[] = [];
    for (let o = 0; o < 5; o++)
      byOffice[`o${o}`] = Array.from({ length: 20 }, (_, i) => sandboxCarrierNumber(`${o + 2}00`, i));
    const unboundList = Array.from({ length: 30 }, (_, i) => sandboxCarrierNumber("900", i));
    for (let u = 0; u < 200; u++) requests.push(req(`u${u}`, `o${u % 7}`));
    const plan = planNumberAssignments(requests, pool(byOffice, unboundList));
    const numbers = plan.assignments.map((a) => a.e164);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(plan.assignments.length).toBe(130); // 5 × 20 office numbers + 30 unbound
    expect(plan.needCarrier.length).toBe(70);
  });

  test("the same user twice in one batch is a bug", () => {
    expect(() => planNumberAssignments([req("u1", "a"), req("u1", "a")], pool({ a: [A1, A2] }))).toThrow(RangeError);
  });
});

describe("sandboxCarrierNumber", () => {
  test.each([
    ["415", 0, "+14155550100"],
    ["415", 1, "+14155550101"],
    ["415", 9, "+14155550109"],
    ["415", 10, "+14155550110"],
    ["415", 99, "+14155550199"],
    ["212", 42, "+12125550142"],
    ["999", 5, "+19995550105"],
    ["200", 0, "+12005550100"],
  ])("%s #%i → %s", (areaCode, index, expected) => {
    const number = sandboxCarrierNumber(areaCode, index);
    expect(number).toBe(expected);
    expect(isE164(number)).toBe(true);
  });

  test.each([
    ["415", -1],
    ["415", 100],
    ["415", 1.5],
    ["415", Number.NaN],
    ["115", 0],
    ["015", 0],
    ["41", 0],
    ["4155", 0],
    ["abc", 0],
    ["", 0],
  ])("%j #%s → RangeError", (areaCode, index) => {
    expect(() => sandboxCarrierNumber(areaCode, index)).toThrow(RangeError);
  });

  test("ascending index gives ascending numbers", () => {
    const numbers = Array.from({ length: 100 }, (_, i) => sandboxCarrierNumber("646", i));
    expect([...numbers].sort()).toEqual(numbers);
    expect(new Set(numbers).size).toBe(100);
  });
});

describe("isE164", () => {
  test.each([
    ["+14155550100", true],
    ["+442071234567", true],
    ["+4930123", true], // 7 digits: the shortest allowed
    ["+123456789012345", true], // 15 digits: the longest
    ["+1234567890123456", false],
    ["+123456", false],
    ["14155550100", false],
    ["+04155550100", false],
    ["+1 415 555 0100", false],
    ["+1-415-555-0100", false],
    ["", false],
    [14155550100, false],
    [null, false],
  ])("%j → %s", (value, expected) => {
    expect(isE164(value)).toBe(expected);
  });
});

describe("isAreaCode", () => {
  test.each([
    ["415", true],
    ["212", true],
    ["200", true],
    ["999", true],
    ["199", false],
    ["099", false],
    ["41", false],
    ["4155", false],
    [" 415", false],
    ["4a5", false],
    [415, false],
  ])("%j → %s", (value, expected) => {
    expect(isAreaCode(value)).toBe(expected);
  });
});
