import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { ScimError } from "../errors.ts";
import { parseScimFilter } from "./parse.ts";
import { compileGroupFilter, compileUserFilter } from "./to-sql.ts";

const dialect = new PgDialect({ casing: "snake_case" });
const user = (filter: string) => dialect.sqlToQuery(compileUserFilter(filter));

describe("parseScimFilter", () => {
  it("keeps the sub-attribute after a value path inside the same element", () => {
    expect(parseScimFilter('emails[type eq "work"].value eq "a@b"')).toEqual({
      op: "[]",
      attrPath: "emails",
      valFilter: {
        op: "and",
        filters: [
          { op: "eq", attrPath: "type", compValue: "work" },
          { op: "eq", attrPath: "value", compValue: "a@b" },
        ],
      },
    });
  });

  it("rewrites several value-path sub-attributes and keeps what follows", () => {
    const filter = parseScimFilter('emails[type eq "work"].value pr and (addresses[type eq "work"].country eq "FR")');
    expect(filter).toEqual({
      op: "and",
      filters: [
        {
          op: "[]",
          attrPath: "emails",
          valFilter: {
            op: "and",
            filters: [
              { op: "eq", attrPath: "type", compValue: "work" },
              { op: "pr", attrPath: "value" },
            ],
          },
        },
        {
          op: "[]",
          attrPath: "addresses",
          valFilter: {
            op: "and",
            filters: [
              { op: "eq", attrPath: "type", compValue: "work" },
              { op: "eq", attrPath: "country", compValue: "FR" },
            ],
          },
        },
      ],
    });
  });

  it("reads values as JSON strings, falling back to literal backslashes", () => {
    const value = (filter: string) => (parseScimFilter(filter) as { compValue: unknown }).compValue;
    expect(value('userName eq "DOMAIN\\\\user"')).toBe("DOMAIN\\user");
    expect(value('userName eq "DOMAIN\\user"')).toBe("DOMAIN\\user");
    expect(value('userName eq "say \\"hi\\""')).toBe('say "hi"');
    expect(value('userName eq "tab\\there"')).toBe("tab\there");
    expect(value('userName eq "O\'Malley"')).toBe("O'Malley");
  });

  it("accepts nesting up to the limit", () => {
    const deep = `${"(".repeat(31)}userName eq "a"${")".repeat(31)}`;
    expect(parseScimFilter(deep)).toEqual({ op: "eq", attrPath: "userName", compValue: "a" });
  });
});

describe("RFC 7644 §3.4.2.2 examples", () => {
  it.each([
    'userName eq "bjensen"',
    `name.familyName co "O'Malley"`,
    'userName sw "J"',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
    "title pr",
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
    'meta.lastModified ge "2011-05-13T04:42:34Z"',
    'meta.lastModified lt "2011-05-13T04:42:34Z"',
    'meta.lastModified le "2011-05-13T04:42:34Z"',
    'title pr and userType eq "Employee"',
    'title pr or userType eq "Intern"',
    'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    'userType eq "Employee" and (emails.type eq "work")',
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
  ])("%s compiles", (filter) => {
    const query = user(filter);
    expect(query.sql.length).toBeGreaterThan(10);
    // Values are bound, never spliced into the SQL text.
    for (const param of query.params) expect(query.sql).not.toContain(String(param));
  });

  it("schemas eq tests the extension object", () => {
    expect(user('schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"').sql).toBe(
      `(jsonb_typeof("users"."resource" -> 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User') = 'object')`,
    );
    expect(user('schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"').sql).toBe("true");
    expect(dialect.sqlToQuery(compileGroupFilter('schemas eq "urn:x"')).sql).toBe("false");
  });
});

describe("malformed filters are 400 invalidFilter", () => {
  const cases: [string, string, RegExp?][] = [
    ["missing value", "userName eq", /malformed/],
    ["unterminated string", '"unterminated'],
    ["unknown operator", 'userName xx "a"'],
    ["boolean ordering", "active gt true", /boolean/],
    ["boolean co", 'active co "t"', /boolean/],
    ["boolean vs other string", 'active eq "yes"', /boolean/],
    ["unknown attribute", 'nickname2 eq "x"', /nickname2/],
    ["unknown extension attribute", 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nope eq "x"', /nope/],
    ["unknown schema", 'urn:acme:User:foo eq "x"', /urn:acme/],
    ["three-level path", 'name.givenName.x eq "x"'],
    ["group attribute on users", 'members eq "x"', /members/],
    ["too deep", `${"(".repeat(40)}userName eq "a"${")".repeat(40)}`, /deeper/],
    ["too deep with not", `${"not ".repeat(40)}(userName eq "a")`, /deeper/],
    ["too long", `userName eq "${"a".repeat(4100)}"`, /longer/],
    ["bad date", 'meta.created gt "yesterday"', /dateTime/],
    ["impossible date", 'meta.created gt "2020-13-45T99:99:99Z"', /dateTime/],
    ["year zero", 'meta.created gt "0000-01-01"', /dateTime/],
    ["co on a date", 'meta.created co "2020"', /dateTime/],
    ["unquoted value", "userName eq bjensen"],
    ["missing parenthesis", '(userName eq "a"'],
    ["extra parenthesis", 'userName eq "a")'],
    ["missing bracket", 'emails[type eq "work"'],
    ["sub-attribute without operator", 'emails[type eq "work"].value'],
    ["value after pr", 'userName pr "x"'],
    ["dangling and", 'userName eq "a" and'],
    ["empty", "   "],
    ["password", 'password eq "secret"', /password/],
    ["meta.location", 'meta.location eq "x"', /meta.location/],
    ["unknown sub-attribute in value path", 'emails[foo eq "x"]', /foo/],
    ["value path on a simple attribute", 'userName[value eq "x"]', /complex/],
    ["nested value paths", 'emails[value[type eq "x"]]'],
    ["string attribute vs boolean", "userName eq true", /string/],
    ["ordering against null", "userName gt null", /null/],
    ["NUL in a value", 'userName eq "a\\u0000b"', /NUL/],
    ["lone surrogate", 'userName eq "\\ud800"', /Unicode/],
    ["complex without value sub-attribute", 'name eq "x"', /complex/],
    ["schemas with co", 'schemas co "urn"', /schemas/],
  ];

  it.each(cases)("%s: %s", (_name, filter, detail) => {
    let error: unknown;
    try {
      compileUserFilter(filter);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScimError);
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    if (detail) expect((error as ScimError).detail).toMatch(detail);
  });

  it("group filters reject user attributes", () => {
    expect(() => compileGroupFilter('userName eq "x"')).toThrow(expect.objectContaining({ scimType: "invalidFilter" }));
    expect(() => compileGroupFilter('members[display eq "x"].value pr')).not.toThrow();
  });
});
