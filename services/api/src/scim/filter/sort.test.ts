import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { compileGroupSort, compileUserSort } from "./to-sql.ts";

const dialect = new PgDialect({ casing: "snake_case" });
const render = (fragment: SQL | undefined) => (fragment ? dialect.sqlToQuery(fragment) : undefined);
const EMAILS = `jsonb_array_elements(case when jsonb_typeof(("users"."resource" -> 'emails')) = 'array' then ("users"."resource" -> 'emails') else '[]'::jsonb end)`;

describe("sorting", () => {
  it("follows caseExact and the direction; absent values last", () => {
    expect(render(compileUserSort("userName", undefined))?.sql).toBe(`lower("users"."user_name") asc nulls last`);
    expect(render(compileUserSort("EXTERNALID", "Descending"))?.sql).toBe(`"users"."external_id" desc nulls last`);
    expect(render(compileUserSort("meta.lastModified", "ascending"))?.sql).toBe(`"users"."updated_at" asc nulls last`);
    expect(render(compileGroupSort("displayName", "descending"))?.sql).toBe(
      `lower("groups"."display_name") desc nulls last`,
    );
  });

  it("a multi-valued attribute sorts by its primary, else first, value", () => {
    expect(render(compileUserSort("emails", undefined))?.sql).toBe(
      `lower((select scim_el.v ->> 'value' from ${EMAILS} with ordinality as scim_el(v, n) order by coalesce(scim_el.v ->> 'primary' = 'true', false) desc, scim_el.n limit 1)) asc nulls last`,
    );
  });

  it("no sortBy gives no ORDER BY", () => {
    expect(compileUserSort(undefined, undefined)).toBeUndefined();
    expect(compileGroupSort("  ", "descending")).toBeUndefined();
  });

  it.each([
    ["userName", "up"],
    ["nope", undefined],
    ["name", undefined],
    ["groups", undefined],
    ["password", undefined],
    ["meta.location", undefined],
  ])("sortBy=%s sortOrder=%s is 400 invalidValue", (sortBy, sortOrder) => {
    expect(() => compileUserSort(sortBy, sortOrder)).toThrow(
      expect.objectContaining({ status: 400, scimType: "invalidValue" }),
    );
  });

  it("members cannot be sorted on", () => {
    expect(() => compileGroupSort("members", undefined)).toThrow(expect.objectContaining({ scimType: "invalidValue" }));
  });
});
