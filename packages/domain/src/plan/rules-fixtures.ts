import type { GroupRule, UserGroup } from "../group-rules.ts";
import { SALES, type Scenario } from "./fixtures.ts";

/** Group rule builders for the plan's tests: "Sales" places in Berlin with Sales licenses, "London team" in London. */
const at = (day: number) => new Date(Date.UTC(2026, 0, day));
export const ruleAt = at;
export const rule = (id: string, over: Partial<GroupRule> = {}): GroupRule => ({
  id,
  group: { displayName: "Sales" },
  officeId: null,
  licenseTypeId: null,
  priority: 0,
  createdAt: at(1),
  ...over,
});
export const SALES_GROUP: UserGroup = { id: "g-sales", displayName: "Sales" };
export const LONDON_GROUP: UserGroup = { id: "g-london", displayName: "London team" };
export const salesRule = rule("r-sales", { officeId: "ber", licenseTypeId: SALES, priority: 1 });
export const londonRule = rule("r-london", { group: { displayName: "london team" }, officeId: "lon", priority: 5 });
export const RULES = [salesRule, londonRule];
export const withRules = (s: Scenario, rules: GroupRule[] = RULES): Scenario => ({
  ...s,
  company: { groupRules: rules, ...s.company },
});
