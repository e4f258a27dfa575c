import { event, type RuleRef } from "../events.ts";
import { decideGroupRules, type RuleDecision, type RuleMatch } from "../group-rules.ts";
import { isNamedMatch, matchOfficeByName } from "../office-match.ts";
import type { Intent } from "./intend.ts";

const refOf = (m: RuleMatch): RuleRef => ({ ruleId: m.rule.id, groupId: m.group.id, groupName: m.group.displayName });

/**
 * What the company's group rules decide for this user, or null when they do not apply to it: the
 * company has none, or an admin pinned the user (its office or license type is the admin's).
 */
export function rulesFor(it: Intent): RuleDecision | null {
  const rules = it.company?.groupRules ?? [];
  if (rules.length === 0 || it.user.pinned === true) return null;
  return decideGroupRules(rules, it.user.groups ?? []);
}

/**
 * Okta creates a user first and pushes its group memberships seconds to minutes later: a new user of a
 * company with rules, in no ruled group yet and with no office attribute that names an office, waits
 * while its directory's hold window is open instead of being placed (and buying a seat) by the fallback.
 */
export function awaitsMemberships(it: Intent, rules: RuleDecision | null): boolean {
  const until = it.user.holdUntil ?? null;
  if (until === null || rules === null || rules.any || it.office !== null) return false;
  return matchOfficeByName(it.user.officeHints, it.company?.offices ?? []) === null;
}

/**
 * The license type: one the identity provider sent wins; else the best rule's; else the user keeps
 * the one it has (the default when new). A rule naming a type the catalogue lacks is ignored.
 */
export function applyRuleLicense(it: Intent, rules: RuleDecision | null): void {
  const m = rules?.license;
  const u = it.user;
  if (!m || u.licenseExplicit === true || m.licenseTypeId === it.licenseTypeId) return;
  const licenses = it.company?.licenseTypes;
  const to = licenses?.get(m.licenseTypeId);
  if (!to) return;
  it.licenseEvent = event("user.license_changed", u.companyId, u.id, {
    from: licenses?.get(it.licenseTypeId)?.name ?? it.licenseTypeId,
    to: to.name,
    cause: "groupRule",
    ...refOf(m),
  });
  it.licenseTypeId = m.licenseTypeId;
}

/**
 * A new user's office from the rules: only when no office attribute of its own names an office
 * (those win). True when a rule placed it.
 */
export function placeByRule(it: Intent, rules: RuleDecision | null): boolean {
  const m = rules?.office;
  const office = m ? it.company?.offices.find((o) => o.id === m.officeId) : undefined;
  if (!m || !office) return false;
  if (matchOfficeByName(it.user.officeHints, it.company?.offices ?? [])) return false;
  const ref = refOf(m);
  it.office = { officeId: office.id, matchedBy: "groupRule", matchedValue: ref.groupName, ruleId: ref.ruleId };
  it.officeEvent = event("user.office_matched", it.user.companyId, it.user.id, {
    officeId: office.id,
    officeName: office.name,
    matchedBy: "groupRule",
    matchedValue: ref.groupName,
    ...ref,
  });
  return true;
}

/**
 * A placed user moves when the best rule names another office, unless its office came from its own
 * office attribute. No applying rule (it left its last ruled group, the rule was deleted): it stays.
 * True when it moves (its seat follows; DID and extension stay).
 */
export function moveByRule(it: Intent, rules: RuleDecision | null): boolean {
  const m = rules?.office;
  const current = it.office;
  if (!m || current === null || m.officeId === current.officeId || isNamedMatch(current.matchedBy)) return false;
  if (!it.company?.offices.some((o) => o.id === m.officeId)) return false;
  const ref = refOf(m);
  it.office = { officeId: m.officeId, matchedBy: "groupRule", matchedValue: ref.groupName, ruleId: ref.ruleId };
  it.officeEvent = event("user.office_changed", it.user.companyId, it.user.id, {
    fromOfficeId: current.officeId,
    toOfficeId: m.officeId,
    cause: "groupRule",
    ...ref,
  });
  return true;
}
