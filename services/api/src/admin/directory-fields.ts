import { z } from "@hono/zod-openapi";
import type { schema } from "@scimline/db";
import { DOMAIN } from "./company-settings.ts";

type DirectoryRow = typeof schema.directories.$inferSelect;
// Not schemas.ts's: that module imports this one.
const nonEmpty = (value: Record<string, unknown>) => Object.values(value).some((v) => v !== undefined);

/** The default of `groupRuleHoldSeconds` (the column's default): five minutes. */
export const DEFAULT_GROUP_RULE_HOLD_SECONDS = 300;

/**
 * The directory fields `PATCH /directories/{id}` changes (and `POST …/directories` may set): each is
 * one entry here and one column of `directories` with the same name. Strict: an unknown key is 400;
 * an absent key is unchanged. A field with side effects adds them in the PATCH handler; rules between
 * a company's directories (shared domains, one master) are checked in directory-store.ts.
 */
export const DIRECTORY_FIELDS = {
  name: {
    input: z.string().trim().min(1).max(200).openapi({ description: "Unique in the company, ignoring case" }),
    view: z.string(),
  },
  domains: {
    input: z
      .array(z.string().trim().toLowerCase().pipe(z.string().regex(DOMAIN, "must be a domain name such as acme.com")))
      .max(50)
      .transform((v) => [...new Set(v)])
      .openapi({
        description:
          "Email domains the directory owns: it creates users only in them (a user's domain is the part after @ of its userName, else of its primary email; subdomains are listed separately). Empty: unrestricted. Another directory may claim the same domain only if one of the two is the master or has adoptExisting (else 409 DOMAIN_CLAIMED)",
      }),
    view: z.array(z.string()),
  },
  master: {
    input: z.boolean().openapi({
      description:
        "The company's master directory (at most one, else 409 MASTER_EXISTS): it lists, filters, reads and manages every user of the company; once it changes another directory's user, that directory's changes to the user are refused (409) except a deactivation or delete",
    }),
    view: z.boolean(),
  },
  adoptExisting: {
    input: z.boolean().openapi({
      description:
        "Users of its domains (every user of the company when it has none) owned by other directories are visible to it by filter and by id, and its first write to one (POST with the same userName, PUT or PATCH) adopts it: same id, office, seat, DID and extension",
    }),
    view: z.boolean(),
  },
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
