import { z } from "@hono/zod-openapi";
import { type Database, schema } from "@scimline/db";
import { BREAKER_LIMITS } from "@scimline/domain";
import { eq } from "drizzle-orm";

type CompanyRow = typeof schema.companies.$inferSelect;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Every personal Microsoft account signs in through this tenant: binding it would let anyone in. */
export const MICROSOFT_CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
export const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** A list setting: trimmed, lower-cased, de-duplicated; `null` turns it off (empty). */
const list = (item: z.ZodType<string, string>, max: number, description: string) =>
  z
    .array(z.string().trim().toLowerCase().pipe(item))
    .max(max)
    .nullable()
    .transform((v) => [...new Set(v ?? [])])
    .openapi({ description });

/** A capacity threshold: a count of free seats or numbers; 0 never fires, null turns it off. */
const threshold = (description: string) => z.number().int().min(0).max(1_000_000).nullable().openapi({ description });

/**
 * The company settings: each is one entry here and one column of `companies` with the same name.
 * `input` validates a change (PUT …/settings, PATCH …, POST /companies), `view` is what GET shows
 * under `settings`. Changes are strict: an unknown key is refused, an absent one left as it is,
 * and `null` turns an optional setting off. A setting with side effects (resuming waiting users,
 * refusing a lock-out) adds them in company-update.ts.
 */
export const COMPANY_SETTINGS = {
  autoPurchaseLicenses: {
    input: z.boolean().openapi({ description: "Buy a seat when a user's office has none free" }),
    view: z.boolean(),
  },
  preventOtherSso: {
    input: z.boolean().openapi({ description: "SAML is the only way in (needs a SAML configuration first, else 409)" }),
    view: z.boolean(),
  },
  microsoftTenantIds: {
    input: list(
      z
        .string()
        .regex(GUID, "must be an Entra tenant id (a GUID)")
        .refine((v) => v !== MICROSOFT_CONSUMER_TENANT, "personal Microsoft accounts' tenant cannot be bound"),
      20,
      "Entra tenant ids (the ID token's tid) whose users may use Microsoft sign-in; empty or null: Microsoft sign-in is off",
    ),
    view: z.array(z.string()),
  },
  googleHostedDomains: {
    input: list(
      z.string().regex(DOMAIN, "must be a domain name such as example.com"),
      20,
      "Google Workspace domains (the ID token's hd) whose users may use Google sign-in; empty or null: Google sign-in is off",
    ),
    view: z.array(z.string()),
  },
  samlIdpInitiated: {
    input: z.boolean().openapi({
      description:
        "Accept SAML responses the identity provider sends unasked (IdP-initiated); false: SP-initiated only",
    }),
    view: z.boolean(),
  },
  suspendedRetentionDays: {
    input: z.number().int().min(1).max(3650).nullable().openapi({
      description:
        "Users suspended (deactivated by the identity provider) for longer than this many days are erased, as a delete would (seat, DID and extension freed; events keep ids only); null: never",
    }),
    view: z.number().int().nullable(),
  },
  deactivationBreaker: {
    input: z
      .strictObject({
        threshold: z.number().int().min(1).max(BREAKER_LIMITS.maxThreshold),
        windowSeconds: z.number().int().min(1).max(BREAKER_LIMITS.maxWindowSeconds),
      })
      .nullable()
      .openapi({
        description:
          "The mass-deactivation breaker: SCIM deactivations and deletes beyond `threshold` within `windowSeconds` (held ones count too) are accepted but held for an admin (GET …/held-changes; confirm or reject). Not the admin API's deletes nor the retention erase. null: off",
        example: { threshold: 50, windowSeconds: 3600 },
      }),
    view: z.object({ threshold: z.number().int(), windowSeconds: z.number().int() }).nullable(),
  },
  seatsLowThreshold: {
    input: threshold(
      "Free seats of an office and license type (among those the office has bought) below this number: a `capacity.seats_low` event, once per crossing; null: off",
    ),
    view: z.number().int().nullable(),
  },
  numbersLowThreshold: {
    input: threshold(
      "Free numbers of an office's own pool, or of the company's unbound pool, below this number: a `capacity.numbers_low` event, once per crossing; null: off",
    ),
    view: z.number().int().nullable(),
  },
  monthlySpendCapCents: {
    input: z.number().int().min(0).max(2_000_000_000).nullable().openapi({
      description:
        "Seat purchases may not pass this many cents per billing period (what the period's charges already sum to counts): a user whose seat would pass it waits in failed with error spend_cap_reached until the cap is raised or removed or the next billing period begins (they continue by themselves) or seats are added to its office. null: no cap",
      example: 50_000,
    }),
    view: z.number().int().nullable(),
  },
} as const;

export type SettingName = keyof typeof COMPANY_SETTINGS;
export const SETTING_NAMES = Object.keys(COMPANY_SETTINGS) as SettingName[];
type Entry<K extends SettingName> = (typeof COMPANY_SETTINGS)[K];

const mapSettings = <T>(f: (name: SettingName) => T) =>
  Object.fromEntries(SETTING_NAMES.map((name) => [name, f(name)])) as Record<SettingName, T>;

/** Input fields, each optional: spread into the strict bodies that change settings. */
export const settingsInputShape = mapSettings((name) => COMPANY_SETTINGS[name].input.optional()) as unknown as {
  [K in SettingName]: z.ZodOptional<Entry<K>["input"]>;
};

export const SettingsView = z
  .object(mapSettings((name) => COMPANY_SETTINGS[name].view) as unknown as { [K in SettingName]: Entry<K>["view"] })
  .openapi("CompanySettings");

export const SettingsUpdate = z.strictObject(settingsInputShape).openapi("CompanySettingsUpdate");

/** The columns behind the settings; a setting without its column fails to compile here. */
type SettingColumns = Pick<CompanyRow, SettingName>;
type SettingsChange = { [K in SettingName]?: z.output<Entry<K>["input"]> };
// Compile-time checks: what inputs produce fits the columns, and what the columns hold fits the view.
const fitsColumns = (change: SettingsChange): Partial<SettingColumns> => change;
const fitsView = (columns: SettingColumns): z.infer<typeof SettingsView> => columns;

/** What GET shows under `settings`. */
export function settingsOf(row: SettingColumns): z.infer<typeof SettingsView> {
  return fitsView(mapSettings((name) => row[name]) as SettingColumns);
}

/** The settings a change names (null included: it turns a setting off); absent keys are left out. */
export function settingsIn(change: Partial<Record<string, unknown>>): Partial<SettingColumns> {
  const out: Partial<Record<SettingName, unknown>> = {};
  for (const name of SETTING_NAMES) if (change[name] !== undefined) out[name] = change[name];
  return fitsColumns(out as SettingsChange);
}

/**
 * The UPDATE of the named settings as SQL and parameters (drizzle serialises arrays and JSON
 * per column), for callers inside a postgres.js transaction; null when nothing is named.
 */
export function settingsUpdateSql(
  database: Database,
  companyId: string,
  change: Partial<SettingColumns>,
): { sql: string; params: unknown[] } | null {
  if (Object.keys(change).length === 0) return null;
  return database.db.update(schema.companies).set(change).where(eq(schema.companies.id, companyId)).toSQL();
}
