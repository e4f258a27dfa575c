import { createDb, newId, schema } from "@scimline/db";
import { createTestDatabase, seedCompany, seedOffice } from "@scimline/db/testing";
import { and, eq, isNull, type SQL } from "drizzle-orm";
import {
  compileGroupFilter,
  compileGroupSort,
  compileUserFilter,
  compileUserSort,
} from "../../src/scim/filter/to-sql.ts";

/** A directory of varied users and groups for filter tests, queried as the SCIM list endpoints do. */

const { users, groups } = schema;
export const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const TEL = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";

/** Every live user's label (zed is soft-deleted and must never be found). */
export const ALL = [
  "bjensen",
  "jsmith",
  "omalley",
  "alice",
  "carol",
  "dave",
  "eve",
  "frank",
  "franka",
  "grace",
  "heidi",
  "ivan",
];
export const except = (...out: string[]) => ALL.filter((l) => !out.includes(l));

type Seed = { userName: string; resource?: Record<string, unknown>; row?: Record<string, unknown> };
const str = (row: Record<string, unknown>, key: string) => (row[key] === undefined ? null : String(row[key]));
const email = (value: string, type: string, primary = false) => ({ value, type, ...(primary ? { primary } : {}) });

function seeds(paris: string, london: string): Record<string, Seed> {
  return {
    bjensen: {
      userName: "bjensen",
      resource: {
        name: { givenName: "Barbara", familyName: "Jensen" },
        title: "Tour Guide",
        userType: "Employee",
        emails: [email("bjensen@example.com", "work", true), email("babs@home.org", "home")],
        [ENT]: { department: "Sales", manager: { value: "MANAGER-1" } },
      },
      row: {
        external_id: "00uA",
        display_name: "Barbara Jensen",
        status: "active",
        office_id: paris,
        did: "+14155550100",
        extension: 101,
        matched_by: "officeName",
        matched_value: "Paris",
        created_at: "2020-01-01T00:00:00Z",
      },
    },
    jsmith: {
      userName: "J.Smith@Example.com",
      resource: {
        title: "",
        emails: [email("j.smith@example.com", "work", true)],
        [ENT]: { department: "Engineering" },
      },
      row: {
        external_id: "00uB",
        display_name: "John Smith",
        status: "active",
        office_id: london,
        extension: 102,
        created_at: "2021-06-15T00:00:00Z",
      },
    },
    omalley: {
      userName: "omalley",
      resource: { name: { familyName: "O'Malley" }, userType: "Intern", emails: [email("om@example.org", "work")] },
      row: { active: false, status: "suspended", created_at: "2022-03-01T00:00:00Z" },
    },
    alice: {
      userName: "alice@contoso.com",
      resource: {
        emails: [email("alice@contoso.com", "work"), email("alice.home@example.com", "home")],
        officeName: "Paris",
        [ENT]: { department: "sales" },
      },
      row: { external_id: "alice", status: "failed", error_code: "no_number_available", license: "Dialpad_Support" },
    },
    carol: { userName: "carol" },
    dave: {
      userName: "dave",
      resource: { emails: [email("zz@dave.com", "other"), email("dave@x.com", "home", true)] },
      row: { display_name: "Dave" },
    },
    eve: { userName: "eve", resource: { emails: "eve@x.com", name: "Eve", addresses: { country: "FR" } } },
    frank: { userName: "frank_100%" },
    franka: { userName: "frankA100" },
    grace: { userName: "DOMAIN\\grace" },
    heidi: { userName: "heidi", resource: { [ENT]: { employeeNumber: "1234" } }, row: { active: false } },
    ivan: {
      userName: "ivan",
      resource: {
        addresses: [{ country: "FR", type: "work", primary: true }],
        phoneNumbers: [{ value: "+33 1", type: "work" }],
      },
    },
    zed: { userName: "zed", resource: { title: "Tour Guide" }, row: { deleted_at: "2024-02-01T00:00:00Z" } },
  };
}

export type FilterDirectory = {
  /** Label → id (users, groups, offices). */
  ids: Record<string, string>;
  /** Labels of the users a filter finds, in the endpoint's order; `{label}` in the filter is replaced by that id. */
  findUsers: (filter?: string, sortBy?: string, sortOrder?: string) => Promise<string[]>;
  findGroups: (filter?: string, sortBy?: string, sortOrder?: string) => Promise<string[]>;
  countUsers: () => Promise<number>;
  close: () => Promise<void>;
};

export async function createFilterDirectory(template: string): Promise<FilterDirectory> {
  const testDb = await createTestDatabase(template);
  const database = createDb(testDb.url, { max: 2 });
  const ids: Record<string, string> = {};
  const labels = new Map<string, string>();
  const company = await seedCompany(database.sql);
  const { companyId, directoryId } = company;
  ids.paris = await seedOffice(database.sql, company, { name: "Paris", country: "FR" });
  ids.london = await seedOffice(database.sql, company, { name: "London", country: "GB" });
  for (const [label, seed] of Object.entries(seeds(ids.paris, ids.london))) {
    const id = newId();
    ids[label] = id;
    labels.set(id, label);
    const r = { active: true, created_at: "2024-01-01T00:00:00Z", license: "Dialpad_Ai Voice", ...seed.row };
    const resource = JSON.stringify({ userName: seed.userName, ...seed.resource });
    await database.sql`
      insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints,
                         created_at, updated_at, external_id, display_name, status, office_id, did, extension,
                         matched_by, matched_value, error_code, deleted_at)
      values (${id}, ${companyId}, ${directoryId}, ${seed.userName}, ${Boolean(r.active)}, ${resource}::jsonb,
              ${company.licenseTypes[String(r.license)] ?? ""}, '{}', ${String(r.created_at)}, ${String(r.created_at)},
              ${str(r, "external_id")}, ${str(r, "display_name")}, ${str(r, "status") ?? "provisioning"},
              ${str(r, "office_id")}, ${str(r, "did")}, ${str(r, "extension")}::int, ${str(r, "matched_by")},
              ${str(r, "matched_value")}, ${str(r, "error_code")}, ${str(r, "deleted_at")})`;
  }
  const groupSeeds: [string, string | null, string[]][] = [
    ["Admins", null, ["bjensen", "jsmith"]],
    ["Sales Team", "grp-1", ["alice", "bjensen", "zed"]],
    ["Empty", null, []],
  ];
  for (const [name, externalId, members] of groupSeeds) {
    const id = newId();
    ids[name] = id;
    labels.set(id, name);
    await database.sql`insert into groups (id, company_id, directory_id, display_name, external_id)
                       values (${id}, ${companyId}, ${directoryId}, ${name}, ${externalId})`;
    for (const m of members) {
      await database.sql`insert into group_members (group_id, user_id) values (${id}, ${ids[m] ?? ""})`;
    }
  }

  const fill = (filter: string) => filter.replace(/\{(\w+)\}/g, (_, key: string) => ids[key] ?? key);
  const named = (rows: { id: string }[]) => rows.map((r) => labels.get(r.id) ?? r.id);
  return {
    ids,
    // Tenancy and soft delete, then the filter, then the id tiebreak: what the list endpoint runs.
    findUsers: async (filter, sortBy, sortOrder) => {
      const where: SQL[] = [
        eq(users.companyId, companyId),
        eq(users.directoryId, directoryId),
        isNull(users.deletedAt),
      ];
      if (filter) where.push(compileUserFilter(fill(filter)));
      const order = compileUserSort(sortBy, sortOrder);
      const query = database.db
        .select({ id: users.id })
        .from(users)
        .where(and(...where));
      return named(await query.orderBy(...(order ? [order] : []), users.id));
    },
    findGroups: async (filter, sortBy, sortOrder) => {
      const where: SQL[] = [eq(groups.companyId, companyId), eq(groups.directoryId, directoryId)];
      if (filter) where.push(compileGroupFilter(fill(filter)));
      const order = compileGroupSort(sortBy, sortOrder);
      const query = database.db
        .select({ id: groups.id })
        .from(groups)
        .where(and(...where));
      return named(await query.orderBy(...(order ? [order] : []), groups.id));
    },
    countUsers: async () => (await database.sql`select count(*)::int as n from users`)[0]?.n ?? 0,
    close: async () => {
      await database.close();
      await testDb.drop();
    },
  };
}
