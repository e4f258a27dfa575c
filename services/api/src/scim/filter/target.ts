import { type SQL, sql } from "drizzle-orm";
import type { AttributeDef } from "../resource/schema.ts";

/**
 * What a filter or sortBy can address: a scalar SQL expression, or a complex attribute whose
 * sub-attributes are scalars inside a scope (an EXISTS over array elements or memberships).
 */
export type ValueKind = "text" | "boolean" | "jsonBoolean" | "timestamp" | "uuid";

export type Scalar = {
  type: "scalar";
  name: string;
  expr: SQL;
  kind: ValueKind;
  caseExact: boolean;
  /** Kind `uuid`: the uuid column itself (`expr` is its text), so an id compared for equality uses its index. */
  uuid?: SQL;
};

export type Complex = {
  type: "complex";
  name: string;
  multiValued: boolean;
  subAttributes: AttributeDef[];
  /** `pr` on the attribute itself: a non-empty object, array or membership. */
  present: SQL;
  /** The scalar a sub-attribute maps to; `fail` is called for one that cannot be filtered. */
  sub: (def: AttributeDef, fail: Fail) => Scalar;
  /** A condition over sub-attributes, for one and the same element (the condition itself when single-valued). */
  within: (condition: SQL) => SQL;
  /** The sort key of a multi-valued attribute: its primary (else first) element's sub-attribute (RFC 7644 §3.4.2.3). */
  sortValue?: (def: AttributeDef) => SQL;
};

export type Target = Scalar | Complex;
export type Fail = (detail: string) => never;

// JSON keys are never client input: they are canonical attribute names from schema.ts,
// written as SQL literals so the expressions stay indexable; this guard keeps it that way.
const SAFE_KEY = /^[A-Za-z0-9:._$]+$/;
export function jsonKey(key: string): SQL {
  if (!SAFE_KEY.test(key)) throw new Error(`unsafe JSON key ${key}`);
  return sql.raw(`'${key}'`);
}

/** `base -> 'a' -> 'b'` (jsonb) or, with `asText`, `base -> 'a' ->> 'b'` (text). */
export function jsonPath(base: SQL, keys: string[], asText: boolean): SQL {
  const parts = keys.map((key, i) => sql`${sql.raw(asText && i === keys.length - 1 ? "->>" : "->")} ${jsonKey(key)}`);
  return sql`(${base} ${sql.join(parts, sql` `)})`;
}

const kindOf = (def: AttributeDef): ValueKind => (def.type === "boolean" ? "jsonBoolean" : "text");

export const scalar = (name: string, expr: SQL, caseExact: boolean, kind: ValueKind = "text"): Scalar => ({
  type: "scalar",
  name,
  expr,
  kind,
  caseExact,
});

/** An id held in a uuid column: compared as its canonical text, and by the column itself for eq and ne. */
export const uuidScalar = (name: string, column: SQL, caseExact: boolean): Scalar => ({
  ...scalar(name, sql`${column}::text`, caseExact, "uuid"),
  uuid: column,
});

/** A simple attribute stored in a jsonb document. dateTime values there compare as ISO text. */
export function jsonScalar(base: SQL, keys: string[], def: AttributeDef, name: string): Scalar {
  return scalar(name, jsonPath(base, keys, true), def.caseExact, kindOf(def));
}

/** A single-valued complex attribute stored as a jsonb object (name, manager). */
export function jsonObject(base: SQL, keys: string[], def: AttributeDef, name: string): Complex {
  const object = jsonPath(base, keys, false);
  return {
    type: "complex",
    name,
    multiValued: false,
    subAttributes: def.subAttributes ?? [],
    present: sql`(jsonb_typeof(${object}) = 'object' and ${object} <> '{}'::jsonb)`,
    sub: (s) => jsonScalar(base, [...keys, s.name], s, `${name}.${s.name}`),
    within: (condition) => condition,
  };
}

const ELEMENT = sql.raw("scim_el.v");

/** A multi-valued complex attribute stored as a jsonb array (emails, phoneNumbers, …); never throws on odd data. */
export function jsonArray(base: SQL, keys: string[], def: AttributeDef, name: string): Complex {
  const array = jsonPath(base, keys, false);
  const elements = sql`jsonb_array_elements(case when jsonb_typeof(${array}) = 'array' then ${array} else '[]'::jsonb end)`;
  return {
    type: "complex",
    name,
    multiValued: true,
    subAttributes: def.subAttributes ?? [],
    present: sql`(jsonb_typeof(${array}) = 'array' and ${array} <> '[]'::jsonb)`,
    sub: (s) => scalar(`${name}.${s.name}`, sql`(${ELEMENT} ->> ${jsonKey(s.name)})`, s.caseExact, kindOf(s)),
    within: (condition) => sql`exists (select 1 from ${elements} as scim_el(v) where ${condition})`,
    sortValue: (s) =>
      sql`(select ${ELEMENT} ->> ${jsonKey(s.name)} from ${elements} with ordinality as scim_el(v, n) order by coalesce(${ELEMENT} ->> 'primary' = 'true', false) desc, scim_el.n limit 1)`,
  };
}

/** A constant such as meta.resourceType, bound as a parameter like any other value. */
export const constant = (name: string, value: string): Scalar => scalar(name, sql`${value}::text`, true);
