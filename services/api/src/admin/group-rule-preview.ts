import { type Database, loadPlanSnapshot, loadUserGroups, readUsers, type TxSql } from "@scimline/db";
import {
  decideGroupRules,
  type GroupRule,
  type PlanCompany,
  type PlanUser,
  planBatchInSlices,
  type UserGroup,
  type UserPlan,
} from "@scimline/domain";
import { AdminError } from "../errors.ts";
import { mapInSlices, Slicer } from "../preview/slices.ts";
import { membersOf, planWithValues } from "../use-cases/groups/membership-work.ts";
import {
  findRule,
  type GroupRuleView,
  type RuleFields,
  type RuleGroupRef,
  resolveFields,
  ruleNotFound,
  storedRules,
} from "./group-rule-store.ts";

export type RuleChange =
  | { action: "create"; rule: RuleFields }
  | { action: "update"; ruleId: string; rule: (current: GroupRuleView) => RuleFields }
  | { action: "delete"; ruleId: string };

type Place = { officeId: string | null; officeName: string | null; licenseType: string };
export type PreviewedUser = {
  userId: string;
  userName: string;
  from: Place;
  to: Place;
  seat: "kept" | "reuse" | "buy" | "refused" | "none";
  chargeCents: number;
  waitsFor: string | null;
  rule: { id: string | null; groupId: string; groupName: string } | null;
};
export type SeatsToBuy = {
  officeId: string;
  officeName: string;
  licenseType: string;
  count: number;
  chargeCents: number;
};
export type RulePreview = {
  users: PreviewedUser[];
  totals: { examined: number; changing: number; waiting: number; seatsToBuy: SeatsToBuy[]; chargeCents: number };
};

/** Users one preview plans at most: one plan over all of them, as their seats are shared. */
export const MAX_RULE_PREVIEW_USERS = 20_000;
/**
 * Users' steps planned between two looks at the clock: the plan pauses for other requests once a stretch
 * has run its few milliseconds. One synchronous plan of 20,000 users held every tenant's requests for 0.8 s.
 */
const PLAN_SLICE = 64;
/** Members read per round trip: at 100 groups a user, 50,000 memberships turned into objects at once. */
const READ_SLICE = 500;
const PROPOSED = "proposed";
// A rule saved now would be the newest: it loses every priority tie.
const NEWEST = new Date(8.64e15);

type Read = { rules: GroupRule[]; users: PlanUser[]; userNames: Map<string, string> };

/** The company's rules with the change, and the members of the groups the changed rule matches (before, after). */
async function readChange(tx: TxSql, companyId: string, change: RuleChange): Promise<Read> {
  await planWithValues(tx);
  const rules: GroupRule[] = await storedRules(tx, companyId);
  let before: GroupRule | undefined;
  let after: GroupRule | undefined;
  if (change.action === "create") {
    after = { id: PROPOSED, createdAt: NEWEST, ...(await resolveFields(tx, companyId, change.rule)) };
  } else {
    const view = await findRule(tx, companyId, change.ruleId);
    before = rules.find((r) => r.id === change.ruleId);
    if (!view || !before) throw ruleNotFound(companyId, change.ruleId);
    if (change.action === "update") {
      after = {
        id: before.id,
        createdAt: before.createdAt,
        ...(await resolveFields(tx, companyId, change.rule(view))),
      };
    }
  }
  const proposed = [...rules.filter((r) => r.id !== before?.id), ...(after ? [after] : [])];
  const groups: RuleGroupRef[] = [before?.group, after?.group].filter((g): g is RuleGroupRef => g !== undefined);
  const named = {
    ids: groups.flatMap((g) => ("id" in g ? [g.id] : [])),
    names: groups.flatMap((g) => ("displayName" in g ? [g.displayName] : [])),
  };
  const members = await membersOf(tx, companyId, named);
  if (members.length > MAX_RULE_PREVIEW_USERS) {
    throw new AdminError(
      "PREVIEW_TOO_LARGE",
      `The change touches ${members.length.toLocaleString("en")} users; a preview plans at most ${MAX_RULE_PREVIEW_USERS.toLocaleString("en")}`,
    );
  }
  // A slice of the members at a time, in id order (the order one read of all gives, and so the plan's),
  // all in this one snapshot: 20,000 users and their 220,000 memberships read at once were turned into
  // objects in synchronous stretches of over 100 ms.
  members.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const users: PlanUser[] = [];
  const userNames = new Map<string, string>();
  // Each group once, however many members it has: 220,000 copies of 100 groups kept for the whole
  // preview made its garbage collections (pauses of the event loop) longer.
  const shared = new Map<string, UserGroup>();
  const once = (g: UserGroup) => {
    const known = shared.get(g.id);
    if (known) return known;
    shared.set(g.id, g);
    return g;
  };
  for (let start = 0; start < members.length; start += READ_SLICE) {
    const live = (await readUsers(tx, members.slice(start, start + READ_SLICE))).filter((u) => !u.deleted);
    const ids = live.map((u) => u.id);
    // Only the groups a rule names, saved or proposed: the others decide nothing, and at 100 groups a
    // user, reading them all was 2 million rows for 20,000 users.
    const userGroups = await loadUserGroups(tx, ids, { also: named });
    const names = await tx<{ id: string; user_name: string }[]>`
      select id, user_name from users where id = any(${tx.array(ids)}::uuid[])`;
    for (const u of live) users.push({ ...u, groups: (userGroups.get(u.id) ?? []).map(once) });
    for (const n of names) userNames.set(n.id, n.user_name);
  }
  return { rules: proposed, users, userNames };
}

/**
 * What saving a rule change would do now, written nowhere: the worker's own plan over the company's
 * current state with the changed rules, for the members of the groups the changed rule matches.
 * Null: no such company. A rule that does not exist is 404, a bad field as the real change answers.
 */
export async function previewRuleChange(
  database: Database,
  companyId: string,
  change: RuleChange,
  today: string,
  slicer = new Slicer(),
): Promise<RulePreview | null> {
  const read = await database.sql.begin("isolation level repeatable read read only", async (tx) => {
    const [company] = await tx`select id from companies where id = ${companyId}`;
    return company ? readChange(tx, companyId, change) : null;
  });
  if (!read) return null;
  const snapshot = await loadPlanSnapshot(database.sql, companyId, { users: read.users.length, userNames: [] });
  if (!snapshot) return null;
  const company: PlanCompany = { ...snapshot.company, groupRules: read.rules };
  let charges = 0;
  // One plan over all of them (a seat one user frees serves another), paused between slices of users.
  const steps = planBatchInSlices(
    {
      today,
      companies: new Map([[companyId, company]]),
      users: read.users,
      resources: new Map([[companyId, snapshot.resources]]),
      newId: () => `preview-charge-${++charges}`,
    },
    PLAN_SLICE,
  );
  let step = steps.next();
  while (!step.done) {
    await slicer.pause();
    step = steps.next();
  }
  const plan = step.value;
  const offices = new Map(company.offices.map((o) => [o.id, o.name]));
  const officeName = (id: string | null) => (id === null ? null : (offices.get(id) ?? null));
  const licenseName = (id: string) => company.licenseTypes.get(id)?.name ?? id;
  const byId = new Map(read.users.map((u) => [u.id, u]));
  const listed = (p: UserPlan): PreviewedUser | null => {
    const u = byId.get(p.userId);
    if (!u) return null;
    const changing = u.officeId !== p.row.officeId || u.licenseTypeId !== p.row.licenseTypeId;
    if (!changing && p.failure === null) return null;
    const decision = decideGroupRules(read.rules, u.groups ?? []);
    const match = u.officeId !== p.row.officeId ? decision.office : decision.license;
    return {
      userId: u.id,
      userName: read.userNames.get(u.id) ?? "",
      from: { officeId: u.officeId, officeName: officeName(u.officeId), licenseType: licenseName(u.licenseTypeId) },
      to: {
        officeId: p.row.officeId,
        officeName: officeName(p.row.officeId),
        licenseType: licenseName(p.row.licenseTypeId),
      },
      seat: SEAT[p.seat.type],
      chargeCents: p.seat.type === "bought" ? p.seat.chargeCents : 0,
      waitsFor: p.failure,
      rule: match
        ? {
            id: match.rule.id === PROPOSED ? null : match.rule.id,
            groupId: match.group.id,
            groupName: match.group.displayName,
          }
        : null,
    };
  };
  const users = (await mapInSlices(plan.users, listed, slicer)).filter((u) => u !== null);
  const seats = new Map<string, SeatsToBuy>();
  for (const c of plan.charges) {
    const key = `${c.officeId}/${c.licenseTypeId}`;
    const entry = seats.get(key) ?? {
      officeId: c.officeId,
      officeName: officeName(c.officeId) ?? "",
      licenseType: licenseName(c.licenseTypeId),
      count: 0,
      chargeCents: 0,
    };
    entry.count++;
    entry.chargeCents += c.amountCents;
    seats.set(key, entry);
  }
  return {
    users,
    totals: {
      examined: read.users.length,
      changing: users.filter((u) => u.from.officeId !== u.to.officeId || u.from.licenseType !== u.to.licenseType)
        .length,
      waiting: users.filter((u) => u.waitsFor !== null).length,
      seatsToBuy: [...seats.values()],
      chargeCents: plan.charges.reduce((sum, c) => sum + c.amountCents, 0),
    },
  };
}

const SEAT = { kept: "kept", reused: "reuse", bought: "buy", refused: "refused", none: "none" } as const;
