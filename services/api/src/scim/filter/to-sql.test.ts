import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { compileGroupFilter, compileUserFilter, userNameSought } from "./to-sql.ts";

const dialect = new PgDialect({ casing: "snake_case" });
const render = (fragment: SQL) => dialect.sqlToQuery(fragment);
const user = (filter: string) => render(compileUserFilter(filter));
const group = (filter: string) => render(compileGroupFilter(filter));

const EMAILS = `jsonb_array_elements(case when jsonb_typeof(("users"."resource" -> 'emails')) = 'array' then ("users"."resource" -> 'emails') else '[]'::jsonb end) as scim_el(v)`;
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";

describe("userNameSought: the look-up that takes the prepared statement", () => {
  it.each([
    ['userName eq "a@b.c"', "a@b.c"],
    ['  USERNAME Eq "A@B.c"  ', "A@B.c"],
    ['userName eq "o\\"neil@b.c"', 'o"neil@b.c'],
    ['userName eq "back\\\\slash"', "back\\slash"],
    ['userName eq ""', ""],
    [`userName eq "${"x".repeat(256)}"`, "x".repeat(256)],
  ])("%s seeks %j", (filter, name) => {
    expect(userNameSought(filter)).toBe(name);
  });

  it.each([
    'userName eq "a" and active eq true',
    '(userName eq "a")',
    'userName co "a"',
    "userName eq null",
    "userName eq 42",
    'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"',
    'externalId eq "a"',
    `userName eq "${"x".repeat(257)}"`,
  ])("%s takes the general path", (filter) => {
    expect(userNameSought(filter)).toBeUndefined();
  });

  it("a control character in the value is the same 400 the general path gives", () => {
    expect(() => userNameSought('userName eq "a\u0000b"')).toThrow(/U\+0000/);
  });

  it.each([
    ['userName eq "a\\u0000b"', "a NUL"],
    ['userName eq "\\ud800"', "a lone high surrogate"],
    ['userName eq "x\\udfffy"', "a lone low surrogate"],
  ])("%s (%s, spelled as an escape) is 400 invalidFilter, as on the general path", (filter) => {
    for (const compile of [
      userNameSought,
      compileUserFilter,
      (f: string) => compileUserFilter(f.replace("userName", "schemas")),
    ]) {
      expect(() => compile(filter)).toThrow(
        expect.objectContaining({
          status: 400,
          scimType: "invalidFilter",
          detail: expect.stringMatching(/NUL character or invalid Unicode/),
        }),
      );
    }
  });
});

describe("identity-provider lookups", () => {
  it("Okta's userName lookup ignores case and binds the value", () => {
    expect(user('userName eq "a@b.c"')).toEqual({
      sql: `(lower("users"."user_name") = lower($1::text))`,
      params: ["a@b.c"],
      typings: ["none"],
    });
  });

  it("Entra's externalId lookup is case-exact", () => {
    expect(user('externalId eq "00u1ABC"')).toMatchObject({
      sql: `("users"."external_id" = $1::text)`,
      params: ["00u1ABC"],
    });
  });

  it('Entra\'s emails[type eq "work"].value eq looks at one and the same email', () => {
    expect(user('emails[type eq "work"].value eq "A@x.com"')).toMatchObject({
      sql: `exists (select 1 from ${EMAILS} where ((lower((scim_el.v ->> 'type')) = lower($1::text)) and (lower((scim_el.v ->> 'value')) = lower($2::text))))`,
      params: ["work", "A@x.com"],
    });
  });

  it("displayName on users and groups", () => {
    expect(user('displayName eq "X"')?.sql).toBe(`(lower("users"."display_name") = lower($1::text))`);
    expect(group('displayName eq "X"')).toMatchObject({
      sql: `(lower("groups"."display_name") = lower($1::text))`,
      params: ["X"],
    });
  });
});

describe("operators", () => {
  it.each([
    ["eq", `(lower("users"."user_name") = lower($1::text))`, "Bj"],
    ["ne", `(lower("users"."user_name") is distinct from lower($1::text))`, "Bj"],
    ["co", `(lower("users"."user_name") like lower($1::text) escape '\\')`, "%Bj%"],
    ["sw", `(lower("users"."user_name") like lower($1::text) escape '\\')`, "Bj%"],
    ["ew", `(lower("users"."user_name") like lower($1::text) escape '\\')`, "%Bj"],
    ["gt", `(lower("users"."user_name") > lower($1::text))`, "Bj"],
    ["ge", `(lower("users"."user_name") >= lower($1::text))`, "Bj"],
    ["lt", `(lower("users"."user_name") < lower($1::text))`, "Bj"],
    ["le", `(lower("users"."user_name") <= lower($1::text))`, "Bj"],
  ])("%s on a case-insensitive attribute", (op, sql, param) => {
    expect(user(`userName ${op} "Bj"`)).toMatchObject({ sql, params: [param] });
  });

  it("caseExact attributes are compared as they are", () => {
    expect(user('externalId sw "Ab"')).toMatchObject({
      sql: `("users"."external_id" like $1::text escape '\\')`,
      params: ["Ab%"],
    });
    expect(user('id eq "0190"')?.sql).toBe(`("users"."id"::text = $1::text)`);
  });

  describe("an id equal to a canonical uuid compares the uuid column (its index), anything else its text", () => {
    const id = "2f0e1c1e-1111-4111-8111-11111111abcd";
    const from = `"group_members" as "scim_gm" join "users" as "scim_mu" on "scim_mu"."id" = "scim_gm"."user_id" and "scim_mu"."deleted_at" is null`;
    it.each([
      ["user", `id eq "${id}"`, `("users"."id" = $1::uuid)`, id],
      ["user", `id ne "${id}"`, `("users"."id" is distinct from $1::uuid)`, id],
      ["user", `id eq "${id.toUpperCase()}"`, `("users"."id"::text = $1::text)`, id.toUpperCase()],
      ["user", `id sw "${id.slice(0, 8)}"`, `("users"."id"::text like $1::text escape '\\')`, `${id.slice(0, 8)}%`],
      ["user", `id gt "${id}"`, `("users"."id"::text > $1::text)`, id],
      ["group", `id eq "${id}"`, `("groups"."id" = $1::uuid)`, id],
      [
        "group",
        `members[value eq "${id}"]`,
        `exists (select 1 from ${from} where "scim_gm"."group_id" = "groups"."id" and ("scim_gm"."user_id" = $1::uuid))`,
        id,
      ],
    ])("%s: %s", (resource, filter, sql, param) => {
      expect((resource === "user" ? user : group)(filter)).toMatchObject({ sql, params: [param] });
    });

    it("a case-insensitive id sub-attribute matches an upper-case uuid too", () => {
      expect(user(`groups eq "${id.toUpperCase()}"`)).toMatchObject({
        sql: expect.stringContaining(`("scim_g"."id" = $1::uuid)`),
        params: [id],
      });
    });
  });

  it("escapes LIKE wildcards and the escape character in co/sw/ew values", () => {
    expect(user('userName co "50%_a\\\\b"')?.params).toEqual(["%50\\%\\_a\\\\b%"]);
  });

  it("pr means present and not empty", () => {
    expect(user("title pr")?.sql).toBe(
      `(("users"."resource" ->> 'title') is not null and ("users"."resource" ->> 'title') <> '')`,
    );
    expect(user("emails pr")?.sql).toBe(
      `(jsonb_typeof(("users"."resource" -> 'emails')) = 'array' and ("users"."resource" -> 'emails') <> '[]'::jsonb)`,
    );
    expect(user("name pr")?.sql).toBe(
      `(jsonb_typeof(("users"."resource" -> 'name')) = 'object' and ("users"."resource" -> 'name') <> '{}'::jsonb)`,
    );
  });

  it("eq null means absent and ne null present", () => {
    expect(user("title eq null")?.sql).toBe(
      `not (("users"."resource" ->> 'title') is not null and ("users"."resource" ->> 'title') <> '')`,
    );
    expect(user("displayName ne null")?.sql).toBe(
      `("users"."display_name" is not null and "users"."display_name" <> '')`,
    );
  });

  it("attribute and operator names are case-insensitive", () => {
    expect(user('USERNAME EQ "x" AND NAME.GIVENNAME Sw "y"')).toEqual(
      user('userName eq "x" and name.givenName sw "y"'),
    );
    expect(user("EMAILS PR")).toEqual(user("emails pr"));
  });
});

describe("types", () => {
  it("booleans accept true/false and Entra's strings", () => {
    expect(user("active eq true")).toMatchObject({ sql: `("users"."active" = $1::boolean)`, params: [true] });
    expect(user('active eq "False"')?.params).toEqual([false]);
    expect(user("active ne true")?.sql).toBe(`("users"."active" is distinct from $1::boolean)`);
    expect(user("emails.primary eq true")).toMatchObject({
      sql: `exists (select 1 from ${EMAILS} where (lower((scim_el.v ->> 'primary')) = $1::text))`,
      params: ["true"],
    });
  });

  it("dateTimes compare as timestamptz with a canonical ISO value", () => {
    expect(user('meta.created ge "2020-01-02T03:04:05+02:00"')).toMatchObject({
      sql: `("users"."created_at" >= $1::timestamptz)`,
      params: ["2020-01-02T01:04:05.000Z"],
    });
    expect(user('meta.lastModified lt "2020-01-02"')?.params).toEqual(["2020-01-02T00:00:00.000Z"]);
    expect(user('meta.lastModified gt "2020-01-02T03:04"')?.params).toEqual(["2020-01-02T03:04:00.000Z"]);
  });

  it("numbers compare with string attributes as their text", () => {
    expect(user(`${TELEPHONY}:extension eq 1042`)).toMatchObject({
      sql: `("users"."extension"::text = $1::text)`,
      params: ["1042"],
    });
  });

  it("meta.version and meta.resourceType", () => {
    expect(user('meta.version eq "W/\\"3\\""')).toMatchObject({
      sql: `(('W/"' || "users"."version" || '"') = $1::text)`,
      params: ['W/"3"'],
    });
    expect(group('meta.resourceType eq "Group"')).toMatchObject({
      sql: `($1::text = $2::text)`,
      params: ["Group", "Group"],
    });
  });
});

describe("logic", () => {
  it("not > and > or, and parentheses group", () => {
    expect(user('userName eq "a" or title pr and not (active eq true)')?.sql).toBe(
      `((lower("users"."user_name") = lower($1::text)) or ((("users"."resource" ->> 'title') is not null and ("users"."resource" ->> 'title') <> '') and ((("users"."active" = $2::boolean)) is not true)))`,
    );
    expect(user('(userName eq "a" or title pr) and active eq true')?.sql).toMatch(
      /^\(\(.* or .*\) and \("users"\."active"/,
    );
  });

  it("not holds for absent attributes (IS NOT TRUE)", () => {
    expect(user('not (title eq "x")')?.sql).toBe(
      `(((lower(("users"."resource" ->> 'title')) = lower($1::text))) is not true)`,
    );
  });

  it("ne on a multi-valued attribute means no element equals", () => {
    expect(user('emails ne "x"')?.sql).toBe(
      `not exists (select 1 from ${EMAILS} where (lower((scim_el.v ->> 'value')) = lower($1::text)))`,
    );
  });
});

describe("attribute mapping", () => {
  it.each([
    [
      `${ENTERPRISE}:department eq "Sales"`,
      `(lower(("users"."resource" -> '${ENTERPRISE}' ->> 'department')) = lower($1::text))`,
    ],
    [
      `${ENTERPRISE.toUpperCase()}:DEPARTMENT eq "Sales"`,
      `(lower(("users"."resource" -> '${ENTERPRISE}' ->> 'department')) = lower($1::text))`,
    ],
    [
      `${ENTERPRISE}:manager.value eq "m"`,
      `(lower(("users"."resource" -> '${ENTERPRISE}' -> 'manager' ->> 'value')) = lower($1::text))`,
    ],
    [`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "u"`, `(lower("users"."user_name") = lower($1::text))`],
    [`officeName eq "Paris"`, `(lower(("users"."resource" ->> 'officeName')) = lower($1::text))`],
    [`licenseType eq "Pro"`, `(("users"."resource" ->> 'licenseType') = $1::text)`],
    [`name.givenName eq "B"`, `(lower(("users"."resource" -> 'name' ->> 'givenName')) = lower($1::text))`],
    [
      `${TELEPHONY}:status eq "active"`,
      `(lower((case when "users"."held_kind" is not null then 'held' else "users"."status" end)) = lower($1::text))`,
    ],
    [`${TELEPHONY}:did eq "+1"`, `("users"."did" = $1::text)`],
    [`${TELEPHONY}:error eq "e"`, `("users"."error_code" = $1::text)`],
    [`${TELEPHONY}:matchedBy eq "country"`, `(lower("users"."matched_by") = lower($1::text))`],
    [
      `${TELEPHONY}:licenseType eq "Pro"`,
      `((select "license_types"."name" from "license_types" where "license_types"."id" = "users"."license_type_id") = $1::text)`,
    ],
    [`${TELEPHONY}:office.value eq "o"`, `("users"."office_id"::text = $1::text)`],
    [
      `${TELEPHONY}:office.display eq "Paris"`,
      `(lower((select "offices"."name" from "offices" where "offices"."id" = "users"."office_id")) = lower($1::text))`,
    ],
    [
      `groups.display eq "Admins"`,
      `exists (select 1 from "group_members" as "scim_ug" join "groups" as "scim_g" on "scim_g"."id" = "scim_ug"."group_id" where "scim_ug"."user_id" = "users"."id" and (lower("scim_g"."display_name") = lower($1::text)))`,
    ],
    [
      `groups eq "g1"`,
      `exists (select 1 from "group_members" as "scim_ug" join "groups" as "scim_g" on "scim_g"."id" = "scim_ug"."group_id" where "scim_ug"."user_id" = "users"."id" and (lower("scim_g"."id"::text) = lower($1::text)))`,
    ],
  ])("%s", (filter, sql) => {
    expect(user(filter)?.sql).toBe(sql);
  });

  it("groups: members and member display", () => {
    const from = `"group_members" as "scim_gm" join "users" as "scim_mu" on "scim_mu"."id" = "scim_gm"."user_id" and "scim_mu"."deleted_at" is null`;
    expect(group('members[value eq "u1"]')?.sql).toBe(
      `exists (select 1 from ${from} where "scim_gm"."group_id" = "groups"."id" and ("scim_gm"."user_id"::text = $1::text))`,
    );
    expect(group('members.display co "ann"')?.sql).toBe(
      `exists (select 1 from ${from} where "scim_gm"."group_id" = "groups"."id" and (lower(coalesce("scim_mu"."display_name", "scim_mu"."user_name")) like lower($1::text) escape '\\'))`,
    );
    expect(group("members pr")?.sql).toBe(`exists (select 1 from ${from} where "scim_gm"."group_id" = "groups"."id")`);
    expect(group('externalId eq "e" and id eq "i"')?.sql).toBe(
      `(("groups"."external_id" = $1::text) and ("groups"."id"::text = $2::text))`,
    );
  });
});
