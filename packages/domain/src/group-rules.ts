/**
 * Group rules: a company says "members of this pushed group get this office and/or license type".
 * Which rule decides for a user is a pure function of the company's rules and the user's groups.
 */
export type GroupRule = {
  id: string;
  /** A group by name (any of the company's directories, compared ignoring case), or one group by id. */
  group: { displayName: string } | { id: string };
  officeId: string | null;
  licenseTypeId: string | null;
  priority: number;
  createdAt: Date;
};

/** A pushed group a user belongs to. */
export type UserGroup = { id: string; displayName: string };

/** A rule that applies to a user, with the group through which it applies. */
export type RuleMatch = { rule: GroupRule; group: UserGroup };

/** What the rules decide for one user: each attribute by the best rule that sets it. */
export type RuleDecision = {
  office: (RuleMatch & { officeId: string }) | null;
  license: (RuleMatch & { licenseTypeId: string }) | null;
  /** Any rule applies (a membership of a ruled group has arrived). */
  any: boolean;
};

const fold = (name: string) => name.trim().toLowerCase();

export function ruleMatchesGroup(rule: GroupRule, group: UserGroup): boolean {
  return "id" in rule.group ? rule.group.id === group.id : fold(rule.group.displayName) === fold(group.displayName);
}

/** Higher priority first; on a tie the rule created first; the id keeps the order total. */
export function byPrecedence(a: GroupRule, b: GroupRule): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const age = a.createdAt.getTime() - b.createdAt.getTime();
  if (age !== 0) return age;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A company's rules in precedence order, sorted once per list rather than once per user: a batch or a
 * preview asks for every user with the same list (1,000 rules sorted for each of 20,000 users was most
 * of a preview's seconds). A list whose length changed is sorted again.
 */
const inPrecedence = new WeakMap<readonly GroupRule[], GroupRule[]>();
function precedenceOrder(rules: readonly GroupRule[]): GroupRule[] {
  let sorted = inPrecedence.get(rules);
  if (sorted?.length !== rules.length) {
    sorted = [...rules].sort(byPrecedence);
    inPrecedence.set(rules, sorted);
  }
  return sorted;
}

/**
 * The rules that apply to a user, best first; a rule matching several of its groups counts once (the
 * group with the lowest id). The user's groups are indexed by id and by name once: rules + groups, not
 * rules × groups.
 */
export function matchingRules(rules: readonly GroupRule[], groups: readonly UserGroup[]): RuleMatch[] {
  const byId = new Map<string, UserGroup>();
  const byName = new Map<string, UserGroup>();
  for (const group of [...groups].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (!byId.has(group.id)) byId.set(group.id, group);
    const name = fold(group.displayName);
    if (!byName.has(name)) byName.set(name, group);
  }
  const matches: RuleMatch[] = [];
  for (const rule of precedenceOrder(rules)) {
    const group = "id" in rule.group ? byId.get(rule.group.id) : byName.get(fold(rule.group.displayName));
    if (group) matches.push({ rule, group });
  }
  return matches;
}

/**
 * The office comes from the best matching rule that names an office, the license type from the best
 * one that names a license type: a "Berlin" group can place users while a "Sales" group licenses them.
 */
export function decideGroupRules(rules: readonly GroupRule[], groups: readonly UserGroup[]): RuleDecision {
  const matches = matchingRules(rules, groups);
  let office: RuleDecision["office"] = null;
  let license: RuleDecision["license"] = null;
  for (const m of matches) {
    if (office === null && m.rule.officeId !== null) office = { ...m, officeId: m.rule.officeId };
    if (license === null && m.rule.licenseTypeId !== null) license = { ...m, licenseTypeId: m.rule.licenseTypeId };
  }
  return { office, license, any: matches.length > 0 };
}
