import { describe, expect, test } from "vitest";
import { byPrecedence, decideGroupRules, type GroupRule, ruleMatchesGroup, type UserGroup } from "./group-rules.ts";

const rule = (id: string, over: Partial<GroupRule> = {}): GroupRule => ({
  id,
  group: { displayName: "Sales" },
  officeId: null,
  licenseTypeId: null,
  priority: 0,
  createdAt: new Date(Date.UTC(2026, 0, 1)),
  ...over,
});
const g = (id: string, displayName: string): UserGroup => ({ id, displayName });

describe("decideGroupRules at a company's scale", () => {
  // 1,000 rules over 100 groups, a user in 10 of them: what the group-rule preview asks for each of up to
  // 20,000 users, twice. Walking every rule for each user took the API's event loop for seconds.
  const groups = Array.from({ length: 100 }, (_, i) => g(`g${String(i).padStart(3, "0")}`, `Team ${i}`));
  const rules = Array.from({ length: 1000 }, (_, r) =>
    rule(`r${r}`, {
      group: r % 2 ? { id: groups[r % 100]?.id ?? "" } : { displayName: `TEAM ${r % 100}` },
      officeId: `o${r % 7}`,
      priority: (r * 7) % 11,
    }),
  );

  test("the rules of a user's own groups decide, as walking every rule would", () => {
    const mine = [groups[3], groups[42], groups[77]].filter((x): x is UserGroup => x !== undefined);
    const best = [...rules].sort(byPrecedence).find((r) => mine.some((x) => ruleMatchesGroup(r, x)));
    expect(decideGroupRules(rules, mine).office?.rule).toBe(best);
  });

  test("a user costs its own groups, not the company's rules: each rule's group is read once per list", () => {
    let reads = 0;
    const counted = rules.map((r) => {
      const { group, ...rest } = r;
      return Object.defineProperty({ ...rest }, "group", {
        enumerable: true,
        get: () => {
          reads++;
          return group;
        },
      }) as GroupRule;
    });
    for (let u = 0; u < 2_000; u++) {
      decideGroupRules(
        counted,
        Array.from({ length: 10 }, (_, j) => groups[(u + j * 13) % 100] ?? g("none", "none")),
      );
    }
    expect(reads).toBeLessThanOrEqual(2 * counted.length);
  });
});
