import { z } from "@hono/zod-openapi";
import type { schema } from "@scimline/db";

type DirectoryRow = typeof schema.directories.$inferSelect;
// Not schemas.ts's: that module imports this one.
const nonEmpty = (value: Record<string, unknown>) => Object.values(value).some((v) => v !== undefined);

/** The default of `groupRuleHoldSeconds` (the column's default): five minutes. */
export const DEFAULT_GROUP_RULE_HOLD_SECONDS = 300;

/**
 * The directory fields `PATCH /directories/{id}` changes (and `POST …/directories` may set): each is
 * one entry here and one column of `directories` with the same name. Strict: an unknown key is 400;
 * an absent key is unchanged. A field with side effects adds them in the PATCH handler.
 */
export const DIRECTORY_FIELDS = {
  groupRuleHoldSeconds: {
    input: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .openapi({
        description: `How long a new user of a company with group rules, and no office attribute that names an office, waits for its group memberships before it is provisioned anyway (Okta pushes memberships seconds to minutes after the create). 0: no wait. Default ${DEFAULT_GROUP_RULE_HOLD_SECONDS}.`,
        example: DEFAULT_GROUP_RULE_HOLD_SECONDS,
      }),
    view: z.number().int(),
  },
} as const;

export type DirectoryFieldName = keyof typeof DIRECTORY_FIELDS;
const NAMES = Object.keys(DIRECTORY_FIELDS) as DirectoryFieldName[];
type Entry<K extends DirectoryFieldName> = (typeof DIRECTORY_FIELDS)[K];
const mapFields = <T>(f: (name: DirectoryFieldName) => T) =>
  Object.fromEntries(NAMES.map((name) => [name, f(name)])) as Record<DirectoryFieldName, T>;

export const directoryFieldsInput = mapFields((name) => DIRECTORY_FIELDS[name].input.optional()) as unknown as {
  [K in DirectoryFieldName]: z.ZodOptional<Entry<K>["input"]>;
};
export const directoryFieldsView = mapFields((name) => DIRECTORY_FIELDS[name].view) as unknown as {
  [K in DirectoryFieldName]: Entry<K>["view"];
};

export const DirectoryUpdate = z
  .strictObject(directoryFieldsInput)
  .refine(nonEmpty, `give at least one of ${NAMES.join(", ")}`)
  .openapi("DirectoryUpdate", { minProperties: 1 });

type FieldColumns = Pick<DirectoryRow, DirectoryFieldName>;
// Compile-time check: what the inputs produce fits the columns.
const fitsColumns = (change: { [K in DirectoryFieldName]?: z.output<Entry<K>["input"]> }): Partial<FieldColumns> =>
  change;

/** The fields a change names; absent keys are left out. */
export function directoryFieldsIn(change: Partial<Record<string, unknown>>): Partial<FieldColumns> {
  const out: Partial<Record<DirectoryFieldName, unknown>> = {};
  for (const name of NAMES) if (change[name] !== undefined) out[name] = change[name];
  return fitsColumns(out as Parameters<typeof fitsColumns>[0]);
}

/** What the directory view shows of them. */
export const directoryFieldsOf = (row: FieldColumns): FieldColumns => mapFields((name) => row[name]) as FieldColumns;
