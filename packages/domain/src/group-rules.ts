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

/**
 * The characters String.prototype.trim removes (ECMAScript's WhiteSpace and LineTerminator: tab, line
 * feed, vertical tab, form feed, carriage return, space, no-break space, the other Unicode space
 * separators, the line and paragraph separators, the byte-order mark). SQL that folds a group name as this
 * module does passes them to btrim: btrim alone trims only spaces, so a pushed " Sales\t" (or one with a
 * no-break space, as names pasted from a web page carry) would match a rule here and never be read there.
 */
export const GROUP_NAME_BLANKS =
  "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

/**
 * A group's name as rules compare it: trimmed (GROUP_NAME_BLANKS) and lower-cased as V8 does, by ICU's
 * root locale (the final sigma, İ to i̇). SQL folds the same way (foldedGroupName in @scimline/db,
 * `lower(btrim(name, blanks) collate "und-x-icu")`); Postgres's default lower() (libc) differs on those, so "ΠΩΛΗΣΕΙΣ" would not have met a
 * rule for "Πωλησεις" there.
 */
export const foldGroupName = (name: string) => name.trim().toLowerCase();

export function ruleMatchesGroup(rule: GroupRule, group: UserGroup): boolean {
  return "id" in rule.group
    ? rule.group.id === group.id
    : foldGroupName(rule.group.displayName) === foldGroupName(group.displayName);
}

/** Higher priority first; on a tie the rule created first; the id keeps the order total. */
export function byPrecedence(a: GroupRule, b: GroupRule): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const age = a.createdAt.getTime() - b.createdAt.getTime();
  if (age !== 0) return age;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A rule and its place in the company's precedence order (0 is the best). */
type Ranked = { rule: GroupRule; rank: number };

/**
 * A company's rules indexed by the group they name: by id, and by folded name. A user then looks up
 * only its own groups (a handful of rules each) instead of walking every rule: a preview or a batch asks
 * for thousands of users with the same list, and folding 1,000 rule names for each of 20,000 users (twice,
 * the plan and the preview's listing) held the API's event loop for seconds. Built once per list and kept
 * with it; a list whose length changed is indexed again.
 */
type RuleIndex = { size: number; byGroupId: Map<string, Ranked[]>; byName: Map<string, Ranked[]> };
const indexes = new WeakMap<readonly GroupRule[], RuleIndex>();
function indexOf(rules: readonly GroupRule[]): RuleIndex {
  const known = indexes.get(rules);
  if (known?.size === rules.length) return known;
  const index: RuleIndex = { size: rules.length, byGroupId: new Map(), byName: new Map() };
  [...rules].sort(byPrecedence).forEach((rule, rank) => {
    const [map, key] =
      "id" in rule.group ? [index.byGroupId, rule.group.id] : [index.byName, foldGroupName(rule.group.displayName)];
    const list = map.get(key);
    if (list) list.push({ rule, rank });
    else map.set(key, [{ rule, rank }]);
  });
  indexes.set(rules, index);
  return index;
}

/**
 * Each rule that applies to a user with the group through which it applies: the user's groups are
 * visited in id order, so a rule matching several of them is met first through the one with the lowest
 * id. A rule is met once per group it matches; callers keep the first meeting.
 */
function visitMatches(
  rules: readonly GroupRule[],
  groups: readonly UserGroup[],
  visit: (ranked: Ranked, group: UserGroup) => void,
): void {
  if (rules.length === 0 || groups.length === 0) return;
  const { byGroupId, byName } = indexOf(rules);
  for (const group of [...groups].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    for (const ranked of byGroupId.get(group.id) ?? []) visit(ranked, group);
    if (byName.size > 0) for (const ranked of byName.get(foldGroupName(group.displayName)) ?? []) visit(ranked, group);
  }
}

/**
 * The rules that apply to a user, best first; a rule matching several of its groups counts once (the
 * group with the lowest id). Only the rules naming the user's groups are looked at.
 */
export function matchingRules(rules: readonly GroupRule[], groups: readonly UserGroup[]): RuleMatch[] {
  const first = new Map<number, RuleMatch>();
  visitMatches(rules, groups, ({ rule, rank }, group) => {
    if (!first.has(rank)) first.set(rank, { rule, group });
  });
  return [...first].sort((a, b) => a[0] - b[0]).map(([, match]) => match);
}

/**
 * The office comes from the best matching rule that names an office, the license type from the best
 * one that names a license type: a "Berlin" group can place users while a "Sales" group licenses them.
 * Only a strictly better rule replaces one already found, so each keeps the group with the lowest id.
 */
export function decideGroupRules(rules: readonly GroupRule[], groups: readonly UserGroup[]): RuleDecision {
  let office: RuleDecision["office"] = null;
  let officeRank = Number.POSITIVE_INFINITY;
  let license: RuleDecision["license"] = null;
  let licenseRank = Number.POSITIVE_INFINITY;
  let any = false;
  visitMatches(rules, groups, ({ rule, rank }, group) => {
    any = true;
    if (rule.officeId !== null && rank < officeRank) {
      office = { rule, group, officeId: rule.officeId };
      officeRank = rank;
    }
    if (rule.licenseTypeId !== null && rank < licenseRank) {
      license = { rule, group, licenseTypeId: rule.licenseTypeId };
      licenseRank = rank;
    }
  });
  return { office, license, any };
}
