import { newId, type Sql, type TxSql } from "@scimline/db";
import { AdminError } from "../errors.ts";
import { gateRuleChanges, membersOf, owedToUsers, planWithValues } from "../use-cases/groups/membership-work.ts";

export type RuleGroupRef = { displayName: string } | { id: string };
export type GroupRuleView = {
  id: string;
  group: RuleGroupRef;
  officeId: string | null;
  licenseType: string | null;
  priority: number;
  createdAt: string;
};
/** A rule as stored (license by id), for writes and previews. */
export type StoredRule = {
  id: string;
  group: RuleGroupRef;
  officeId: string | null;
  licenseTypeId: string | null;
  priority: number;
  createdAt: Date;
};
export type RuleFields = {
  group: RuleGroupRef;
  officeId: string | null;
  licenseType: string | null;
  priority: number;
};

/** Rules per company: the plan reads them all for every batch of the company's users. */
export const MAX_RULES = 1000;

type Row = {
  id: string;
  group_display_name: string | null;
  group_id: string | null;
  office_id: string | null;
  license_type_id: string | null;
  license_name: string | null;
  priority: number;
  created_at: Date;
};

const groupOf = (r: Row): RuleGroupRef =>
  r.group_id !== null ? { id: r.group_id } : { displayName: r.group_display_name ?? "" };
const stored = (r: Row): StoredRule => ({
  id: r.id,
  group: groupOf(r),
  officeId: r.office_id,
  licenseTypeId: r.license_type_id,
  priority: r.priority,
  createdAt: new Date(r.created_at),
});
const view = (r: Row): GroupRuleView => ({
  id: r.id,
  group: groupOf(r),
  officeId: r.office_id,
  licenseType: r.license_name,
  priority: r.priority,
  createdAt: new Date(r.created_at).toISOString(),
});

const selectRules = (q: Sql | TxSql, where: ReturnType<Sql>) => q<Row[]>`
  select r.id, r.group_display_name, r.group_id, r.office_id, r.license_type_id, lt.name as license_name,
         r.priority, r.created_at
  from group_rules r left join license_types lt on lt.id = r.license_type_id
  where ${where}
  order by r.priority desc, r.created_at, r.id`;

export const ruleNotFound = (companyId: string, ruleId: string) =>
  new AdminError("GROUP_RULE_NOT_FOUND", `Group rule ${ruleId} not found in company ${companyId}`);

/** The company's rules, best first (the order they are applied in), a page at a time. */
export async function listRules(
  sql: Sql,
  companyId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ rules: GroupRuleView[]; nextCursor: string | null }> {
  const after = page.cursor
    ? sql`and (-r.priority, r.created_at, r.id) > (select -priority, created_at, id from group_rules where id = ${page.cursor})`
    : sql``;
  const rows = await sql<Row[]>`
    select r.id, r.group_display_name, r.group_id, r.office_id, r.license_type_id, lt.name as license_name,
           r.priority, r.created_at
    from group_rules r left join license_types lt on lt.id = r.license_type_id
    where r.company_id = ${companyId} ${after}
    order by r.priority desc, r.created_at, r.id
    limit ${page.limit + 1}`;
  const rules = rows.slice(0, page.limit).map(view);
  return { rules, nextCursor: rows.length > page.limit ? (rules.at(-1)?.id ?? null) : null };
}

export async function findRule(q: Sql | TxSql, companyId: string, ruleId: string): Promise<GroupRuleView | null> {
  const [row] = await selectRules(q, q`r.company_id = ${companyId} and r.id = ${ruleId}`);
  return row ? view(row) : null;
}

/** Every rule of the company as the plan reads them (license by id). */
export async function storedRules(q: Sql | TxSql, companyId: string): Promise<StoredRule[]> {
  return (await selectRules(q, q`r.company_id = ${companyId}`)).map(stored);
}

/** The license type by name, matched as SCIM matches it (exactly, then ignoring case); else 400 listing them. */
export async function resolveLicenseId(q: Sql | TxSql, companyId: string, name: string): Promise<string> {
  const catalogue = await q<{ id: string; name: string }[]>`
    select id, name from license_types where company_id = ${companyId} order by created_at, id`;
  const found =
    catalogue.find((l) => l.name === name) ?? catalogue.find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (found) return found.id;
  const allowed = catalogue.map((l) => `"${l.name}"`).join(", ");
  throw new AdminError("UNKNOWN_LICENSE_TYPE", `licenseType "${name}" is not one of ${allowed}`);
}

/** What a rule's fields name must be the company's: its office, its license type, its group (by id). */
export async function resolveFields(
  q: Sql | TxSql,
  companyId: string,
  fields: RuleFields,
): Promise<Omit<StoredRule, "id" | "createdAt">> {
  if (fields.officeId !== null) {
    const [office] = await q`select 1 from offices where id = ${fields.officeId} and company_id = ${companyId}`;
    if (!office) {
      throw new AdminError("OFFICE_NOT_FOUND", `Office ${fields.officeId} not found in company ${companyId}`);
    }
  }
  if ("id" in fields.group) {
    const [group] = await q`select 1 from groups where id = ${fields.group.id} and company_id = ${companyId}`;
    if (!group) {
      throw new AdminError(
        "GROUP_NOT_FOUND",
        `Group ${fields.group.id} is not a group pushed to any directory of company ${companyId}`,
      );
    }
  }
  return {
    group: fields.group,
    officeId: fields.officeId,
    licenseTypeId: fields.licenseType === null ? null : await resolveLicenseId(q, companyId, fields.licenseType),
    priority: fields.priority,
  };
}

/**
 * Rule changes are provisioning work for the members of the groups a rule matches (before and after the
 * change): a new generation and an outbox row each, in the caller's transaction. The plan decides.
 */
export async function requeueRuleMembers(tx: TxSql, companyId: string, groups: RuleGroupRef[]): Promise<void> {
  const ids = groups.flatMap((g) => ("id" in g ? [g.id] : []));
  const names = groups.flatMap((g) => ("displayName" in g ? [g.displayName] : []));
  await planWithValues(tx);
  await owedToUsers(tx, companyId, await membersOf(tx, companyId, { ids, names }));
}

/**
 * Rule changes of a company, one at a time: each locks the company's row, FOR NO KEY UPDATE as the other
 * admin changes of the company do, and then the users it requeues (in id order, owedToUsers). FOR UPDATE
 * would also block the foreign key checks of rows that reference the company: a worker batch holding
 * some of those users inserts a charge (or a seats row) for a seat it buys, which would then wait for this
 * change while this change waits for the batch's users (a deadlock, answered 503). Then the gate every
 * group write of the company holds shared (gateRuleChanges): the change waits for the group writes in
 * flight, so the members it reads include theirs, and a group write begun after it sees the rule.
 */
async function lockRuleChanges(tx: TxSql, companyId: string): Promise<void> {
  await tx`select id from companies where id = ${companyId} for no key update`;
  await gateRuleChanges(tx, companyId, "ruleChange");
}

export async function insertRule(sql: Sql, companyId: string, fields: RuleFields): Promise<GroupRuleView> {
  return sql.begin(async (tx) => {
    // One rule change at a time per company: the count below stays true (lockRuleChanges).
    await lockRuleChanges(tx, companyId);
    const [{ count } = { count: 0 }] = await tx<{ count: number }[]>`
      select count(*)::int as count from group_rules where company_id = ${companyId}`;
    if (count >= MAX_RULES) {
      throw new AdminError("TOO_MANY_GROUP_RULES", `A company has at most ${MAX_RULES} group rules`);
    }
    const rule = await resolveFields(tx, companyId, fields);
    const id = newId();
    const group = rule.group;
    await tx`
      insert into group_rules (id, company_id, group_display_name, group_id, office_id, license_type_id, priority)
      values (${id}, ${companyId}, ${"displayName" in group ? group.displayName : null},
              ${"id" in group ? group.id : null}, ${rule.officeId}, ${rule.licenseTypeId}, ${rule.priority})`;
    await requeueRuleMembers(tx, companyId, [group]);
    const created = await findRule(tx, companyId, id);
    if (!created) throw new Error("group rule insert returned nothing");
    return created;
  });
}

/** The rule's fields after a PATCH (absent: unchanged, null: removed), checked and saved; null: no such rule. */
export async function updateRule(
  sql: Sql,
  companyId: string,
  ruleId: string,
  merge: (current: GroupRuleView) => RuleFields,
): Promise<GroupRuleView | null> {
  return sql.begin(async (tx) => {
    await lockRuleChanges(tx, companyId);
    const current = await findRule(tx, companyId, ruleId);
    if (!current) return null;
    const rule = await resolveFields(tx, companyId, merge(current));
    const group = rule.group;
    await tx`
      update group_rules set group_display_name = ${"displayName" in group ? group.displayName : null},
        group_id = ${"id" in group ? group.id : null}, office_id = ${rule.officeId},
        license_type_id = ${rule.licenseTypeId}, priority = ${rule.priority}
      where id = ${ruleId}`;
    await requeueRuleMembers(tx, companyId, [current.group, group]);
    return findRule(tx, companyId, ruleId);
  });
}

/** Deleting a rule moves nobody by itself; its members are reconciled against the rules that remain. */
export async function deleteRule(sql: Sql, companyId: string, ruleId: string): Promise<boolean> {
  return sql.begin(async (tx) => {
    await lockRuleChanges(tx, companyId);
    const current = await findRule(tx, companyId, ruleId);
    if (!current) return false;
    await tx`delete from group_rules where id = ${ruleId}`;
    await requeueRuleMembers(tx, companyId, [current.group]);
    return true;
  });
}
