import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  byPrecedence,
  decideGroupRules,
  foldGroupName,
  GROUP_NAME_BLANKS,
  type GroupRule,
  matchingRules,
  ruleMatchesGroup,
  type UserGroup,
} from "./group-rules.ts";

const at = (day: number) => new Date(Date.UTC(2026, 0, day));
const rule = (id: string, over: Partial<GroupRule> = {}): GroupRule => ({
  id,
  group: { displayName: "Sales" },
  officeId: null,
  licenseTypeId: null,
  priority: 0,
  createdAt: at(1),
  ...over,
});
const g = (id: string, displayName: string): UserGroup => ({ id, displayName });

describe("ruleMatchesGroup", () => {
  test.each<[string, GroupRule["group"], UserGroup, boolean]>([
    ["same name", { displayName: "Sales" }, g("g1", "Sales"), true],
    ["name ignoring case", { displayName: "sales emea" }, g("g1", "Sales EMEA"), true],
    ["name ignoring surrounding spaces", { displayName: " Sales " }, g("g1", "Sales"), true],
    ["another name", { displayName: "Sales" }, g("g1", "Sales EMEA"), false],
    ["a prefix is not a match", { displayName: "Sale" }, g("g1", "Sales"), false],
    ["by id", { id: "g1" }, g("g1", "Anything"), true],
    ["by id, another group of the same name", { id: "g2" }, g("g1", "Sales"), false],
    ["by id never compares names", { id: "Sales" }, g("g1", "Sales"), false],
  ])("%s", (_, group, userGroup, expected) => {
    expect(ruleMatchesGroup(rule("r", { group }), userGroup)).toBe(expected);
  });
});

type Row = [
  string,
  GroupRule[],
  UserGroup[],
  { office: string | null; officeRule?: string; license: string | null; licenseRule?: string; any: boolean },
];

describe("decideGroupRules: the best rule per attribute", () => {
  test.each<Row>([
    ["no rules", [], [g("g1", "Sales")], { office: null, license: null, any: false }],
    ["no groups", [rule("r1", { officeId: "ber" })], [], { office: null, license: null, any: false }],
    [
      "a group no rule names",
      [rule("r1", { officeId: "ber" })],
      [g("g1", "Support")],
      { office: null, license: null, any: false },
    ],
    [
      "one rule with office and license",
      [rule("r1", { officeId: "ber", licenseTypeId: "sales" })],
      [g("g1", "Sales")],
      { office: "ber", officeRule: "r1", license: "sales", licenseRule: "r1", any: true },
    ],
    [
      "the higher priority wins",
      [
        rule("r1", { group: { displayName: "Sales" }, officeId: "ber", priority: 1 }),
        rule("r2", { group: { displayName: "London" }, officeId: "lon", priority: 5 }),
      ],
      [g("g1", "Sales"), g("g2", "London")],
      { office: "lon", officeRule: "r2", license: null, any: true },
    ],
    [
      "a priority tie: the rule created first",
      [
        rule("r1", { group: { displayName: "Sales" }, officeId: "ber", priority: 3, createdAt: at(5) }),
        rule("r2", { group: { displayName: "London" }, officeId: "lon", priority: 3, createdAt: at(2) }),
      ],
      [g("g1", "Sales"), g("g2", "London")],
      { office: "lon", officeRule: "r2", license: null, any: true },
    ],
    [
      "a tie on priority and time: the lower id, whatever the input order",
      [
        rule("r9", { group: { displayName: "Sales" }, officeId: "ber" }),
        rule("r1", { group: { displayName: "London" }, officeId: "lon" }),
      ],
      [g("g1", "Sales"), g("g2", "London")],
      { office: "lon", officeRule: "r1", license: null, any: true },
    ],
    [
      "office and license from different rules: each from the best rule that sets it",
      [
        rule("r1", { group: { displayName: "Berlin" }, officeId: "ber", priority: 9 }),
        rule("r2", { group: { displayName: "Sales" }, licenseTypeId: "sales", priority: 1 }),
      ],
      [g("g1", "Berlin"), g("g2", "Sales")],
      { office: "ber", officeRule: "r1", license: "sales", licenseRule: "r2", any: true },
    ],
    [
      "a higher rule without a license leaves the license to a lower one",
      [
        rule("r1", { group: { displayName: "Sales" }, officeId: "ber", licenseTypeId: "sales", priority: 1 }),
        rule("r2", { group: { displayName: "London" }, officeId: "lon", priority: 2 }),
      ],
      [g("g1", "Sales"), g("g2", "London")],
      { office: "lon", officeRule: "r2", license: "sales", licenseRule: "r1", any: true },
    ],
    [
      "a rule by id beats a rule by name on priority",
      [
        rule("r1", { group: { displayName: "Sales" }, officeId: "ber", priority: 1 }),
        rule("r2", { group: { id: "g1" }, officeId: "lon", priority: 2 }),
      ],
      [g("g1", "Sales")],
      { office: "lon", officeRule: "r2", license: null, any: true },
    ],
    [
      "negative priorities order too",
      [rule("r1", { officeId: "ber", priority: -5 }), rule("r2", { officeId: "lon", priority: -1 })],
      [g("g1", "Sales")],
      { office: "lon", officeRule: "r2", license: null, any: true },
    ],
  ])("%s", (_, rules, groups, expected) => {
    const d = decideGroupRules(rules, groups);
    expect(d.office?.officeId ?? null).toBe(expected.office);
    expect(d.license?.licenseTypeId ?? null).toBe(expected.license);
    expect(d.any).toBe(expected.any);
    if (expected.officeRule) expect(d.office?.rule.id).toBe(expected.officeRule);
    if (expected.licenseRule) expect(d.license?.rule.id).toBe(expected.licenseRule);
  });
});

describe("matchingRules", () => {
  test("a rule matching two groups of the user (same name in two directories) counts once, by the lower group id", () => {
    const matches = matchingRules([rule("r1", { officeId: "ber" })], [g("g2", "SALES"), g("g1", "sales")]);
    expect(matches.map((m) => [m.rule.id, m.group.id])).toEqual([["r1", "g1"]]);
  });

  test("best first, every applying rule listed", () => {
    const rules = [
      rule("low", { officeId: "a", priority: 0 }),
      rule("high", { officeId: "b", priority: 10 }),
      rule("other", { group: { displayName: "Other" }, officeId: "c", priority: 99 }),
    ];
    expect(matchingRules(rules, [g("g1", "Sales")]).map((m) => m.rule.id)).toEqual(["high", "low"]);
  });
});

describe("matchingRules indexes a user's groups", () => {
  /** The definition: every rule in precedence order, against the groups in id order, the first that matches. */
  const naive = (rules: GroupRule[], groups: UserGroup[]) => {
    const sorted = [...groups].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return [...rules].sort(byPrecedence).flatMap((r) => {
      const group = sorted.find((g) => ruleMatchesGroup(r, g));
      return group ? [{ rule: r, group }] : [];
    });
  };
  const name = fc.constantFrom("Sales", "sales ", " SALES", "Berlin", "berlin", "Ops");
  const groupId = fc.constantFrom("g1", "g2", "g3", "g4");
  const rules = fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 3 }),
      group: fc.oneof(
        name.map((displayName) => ({ displayName })),
        groupId.map((id) => ({ id })),
      ),
      officeId: fc.option(fc.constant("o1"), { nil: null }),
      licenseTypeId: fc.option(fc.constant("l1"), { nil: null }),
      priority: fc.integer({ min: 0, max: 3 }),
      createdAt: fc.integer({ min: 1, max: 5 }).map(at),
    }),
    { selector: (r) => r.id, maxLength: 12 },
  );
  const groups = fc.array(fc.record({ id: groupId, displayName: name }), { maxLength: 8 });

  test("gives what scanning every group for every rule gives", () => {
    fc.assert(
      fc.property(rules, groups, (rs, gs) => {
        expect(matchingRules(rs, gs)).toEqual(naive(rs, gs));
      }),
      { numRuns: 500, seed: 4242 },
    );
  });

  test("decideGroupRules gives, per attribute, the first rule of that definition that sets it, with its group", () => {
    fc.assert(
      fc.property(rules, groups, (rs, gs) => {
        const matches = naive(rs, gs);
        const office = matches.find((m) => m.rule.officeId !== null);
        const license = matches.find((m) => m.rule.licenseTypeId !== null);
        expect(decideGroupRules(rs, gs)).toEqual({
          office: office ? { ...office, officeId: office.rule.officeId } : null,
          license: license ? { ...license, licenseTypeId: license.rule.licenseTypeId } : null,
          any: matches.length > 0,
        });
      }),
      { numRuns: 1000, seed: 4243 },
    );
  });

  test("the same list of rules asked again after it grew is sorted again", () => {
    const list: GroupRule[] = [rule("a", { priority: 1 })];
    const sales = [{ id: "g1", displayName: "Sales" }];
    expect(matchingRules(list, sales).map((m) => m.rule.id)).toEqual(["a"]);
    list.push(rule("b", { priority: 2 }));
    expect(matchingRules(list, sales).map((m) => m.rule.id)).toEqual(["b", "a"]);
  });

  test("the same list of rules asked again after it grew is indexed again: a rule naming another group applies", () => {
    const list: GroupRule[] = [rule("a", { officeId: "ber" })];
    const groups = [g("g1", "Sales"), g("g2", "London")];
    expect(decideGroupRules(list, groups).office?.rule.id).toBe("a");
    list.push(rule("b", { group: { id: "g2" }, officeId: "lon", priority: 1 }));
    expect(decideGroupRules(list, groups).office).toMatchObject({ officeId: "lon", group: { id: "g2" } });
  });
});

describe("foldGroupName and GROUP_NAME_BLANKS (what SQL passes to btrim)", () => {
  test("GROUP_NAME_BLANKS holds exactly the characters String.prototype.trim removes", () => {
    const trimmed: string[] = [];
    // No white space lies outside the Basic Multilingual Plane; the whole of it is checked.
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCharCode(code);
      if (`${c}x${c}`.trim() === "x") trimmed.push(c);
    }
    expect([...GROUP_NAME_BLANKS].sort()).toEqual(trimmed.sort());
  });

  test("a name folds to the same key with any blanks around it and in any case", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s !== ""),
        fc.array(fc.constantFrom(...GROUP_NAME_BLANKS), { maxLength: 4 }),
        fc.array(fc.constantFrom(...GROUP_NAME_BLANKS), { maxLength: 4 }),
        (name, before, after) => {
          const padded = `${before.join("")}${name.toUpperCase()}${after.join("")}`;
          expect(foldGroupName(padded)).toBe(foldGroupName(name.toUpperCase()));
          expect(ruleMatchesGroup(rule("r", { group: { displayName: padded } }), g("g", name.toUpperCase()))).toBe(
            true,
          );
        },
      ),
      { numRuns: 500, seed: 4244 },
    );
  });
});
