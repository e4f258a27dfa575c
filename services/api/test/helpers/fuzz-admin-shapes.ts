import type { Sql } from "@scimline/db";
import fc from "fast-check";
import { hostileJson, hostileNumber, hostileString } from "./fuzz-arbitraries.ts";

const TABLES = [
  "companies",
  "license_types",
  "offices",
  "seats",
  "numbers",
  "directories",
  "scim_tokens",
  "users",
  "outbox",
  "saml_configs",
  "extension_pool",
  "webhooks",
  "group_rules",
];

/**
 * Every admin-visible table, row by row (ordered), as one string: a refusal must leave it identical.
 * One statement (one snapshot of the database, one round trip) for all the tables. The extension pool
 * (~10,000 rows a company) is summed from its columns' hashes instead: the text of every row, sorted,
 * was most of each snapshot's ~18 ms, and fuzz cases take two.
 */
export async function tableSnapshot(sql: Sql): Promise<string> {
  const parts = TABLES.map((table) =>
    table === "extension_pool"
      ? `(select count(*) || '/' || coalesce(sum((hashint4(extension) # uuid_hash(company_id) # coalesce(uuid_hash(user_id), 7))::bigint), 0)
          from extension_pool)`
      : `(select md5(coalesce(string_agg(x::text, ',' order by x::text), '')) from ${table} x)`,
  );
  const [row] = await sql.unsafe(`select concat_ws(':', ${parts.join(", ")}) as h`);
  return String(row?.h);
}

const str = (...valid: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...valid) },
    { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: hostileJson },
  );
const num = (...valid: number[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...valid) },
    { weight: 2, arbitrary: hostileNumber },
    { weight: 1, arbitrary: hostileJson },
  );
const bool = fc.oneof({ weight: 3, arbitrary: fc.boolean() }, { weight: 1, arbitrary: hostileJson });
const opt = <T>(shape: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.oneof({ weight: 5, arbitrary: fc.record(shape, { requiredKeys: [] }) }, { weight: 1, arbitrary: hostileJson });
const e164 = str("+14155550199", "+442071838750", "+1415555010", "14155550199");
const tenantIds = str("72f988bf-86f1-41af-91ab-2d7cd011db47", "9188040d-6c67-4c5b-b112-36a304b66dad", "contoso");
const domains = str("example.com", "EXAMPLE.com", "a..b", "");
const licenseNames = str("Dialpad_Ai Voice", "Dialpad_Support", "Dialpad_Ai Sales", "dialpad_support");
// A dictionary key from any generated value (String() throws on objects without a prototype).
const asKey = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? "undefined"));
const range = opt({ start: num(100, 0, 500), end: num(999, 100, 99_999_999) });
const licenseInput = opt({ name: licenseNames, monthlyPriceCents: num(1500, 0, 100_000_000), assignsDid: bool });

/** Each endpoint with a body shaped like what it expects, every field possibly hostile. */
export const ADMIN_ENDPOINTS: Array<[string, string, fc.Arbitrary<unknown> | null]> = [
  [
    "POST",
    "/companies",
    opt({
      name: str("Acme"),
      country: str("US", "Germany", "gb", "ZZ"),
      defaultAreaCode: str("415", "212", "123"),
      billingDay: num(1, 31, 0, 32),
      extensionRange: range,
      licenseTypes: fc.oneof(fc.array(licenseInput, { maxLength: 4 }), hostileJson),
      autoPurchaseLicenses: bool,
      preventOtherSso: bool,
    }),
  ],
  [
    "PATCH",
    "/companies/{c}",
    opt({
      name: str("Acme 2"),
      country: str("US"),
      billingDay: num(15),
      defaultAreaCode: str("650"),
      extensionRange: range,
      autoPurchaseLicenses: bool,
      googleHostedDomains: fc.oneof(fc.array(domains, { maxLength: 3 }), hostileJson),
    }),
  ],
  [
    "PUT",
    "/companies/{c}/settings",
    opt({
      autoPurchaseLicenses: bool,
      preventOtherSso: bool,
      microsoftTenantIds: fc.oneof(fc.array(tenantIds, { maxLength: 3 }), hostileJson),
      googleHostedDomains: fc.oneof(fc.array(domains, { maxLength: 3 }), hostileJson),
      samlIdpInitiated: bool,
      deactivationBreaker: fc.oneof(
        opt({ threshold: num(5, 0, -1, 1_000_001), windowSeconds: num(60, 0, 2_592_001) }),
        fc.constant(null),
      ),
      seatsLowThreshold: fc.oneof(fc.constant(null), fc.integer({ min: -2, max: 50 }), hostileJson),
      numbersLowThreshold: fc.oneof(fc.constant(null), fc.integer({ min: -2, max: 50 }), hostileJson),
    }),
  ],
  ["POST", "/companies/{c}/license-types", licenseInput],
  ["PATCH", "/companies/{c}/license-types/{l}", licenseInput],
  [
    "POST",
    "/companies/{c}/offices",
    opt({
      name: str("Paris", "hq"),
      country: str("FR"),
      main: bool,
      seats: fc.oneof(fc.dictionary(licenseNames.map(asKey), num(3, -1, 1_000_001)), hostileJson),
    }),
  ],
  [
    "PATCH",
    "/companies/{c}/offices/{o}",
    opt({
      name: str("HQ 2", "hq"),
      main: bool,
      seats: fc.oneof(fc.dictionary(licenseNames.map(asKey), num(0, 1, 7, -1)), hostileJson),
    }),
  ],
  [
    "POST",
    "/companies/{c}/numbers",
    opt({ numbers: fc.oneof(fc.array(e164, { maxLength: 20 }), hostileJson), officeId: str("VALID_OFFICE") }),
  ],
  ["DELETE", "/companies/{c}/numbers/{n}", null],
  [
    "POST",
    "/companies/{c}/directories",
    opt({
      name: str("Entra", "okta"),
      domains: fc.oneof(fc.array(domains, { maxLength: 3 }), hostileJson),
      master: bool,
      adoptExisting: bool,
    }),
  ],
  [
    "PATCH",
    "/directories/{d}",
    opt({
      groupRuleHoldSeconds: num(0, 300, 86_400, -1, 86_401),
      name: str("Okta 2", "OKTA"),
      domains: fc.oneof(fc.array(domains, { maxLength: 3 }), hostileJson),
      master: bool,
      adoptExisting: bool,
    }),
  ],
  ["POST", "/directories/{d}/tokens", opt({ expiresAt: str("2099-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "soon") })],
  ["GET", "/directories/{d}/health", null],
  ["GET", "/directories/{d}/requests", null],
  ["DELETE", "/directories/{d}/tokens/{k}", null],
  [
    "PATCH",
    "/companies/{c}/users/{u}",
    opt({ licenseType: licenseNames, did: e164, extension: fc.oneof(num(150, 99_999), str("205", "0205", "1e3")) }),
  ],
  ["POST", "/companies/{c}/users/{u}/retry", null],
  [
    "POST",
    "/companies/{c}/webhooks",
    opt({
      url: str("https://hooks.example.com/x", "http://127.0.0.1/x", "https://[::1]/", "https://u:p@a.example/"),
      events: fc.oneof(fc.array(str("user.provisioned", "user.nope"), { maxLength: 5 }), hostileJson),
    }),
  ],
  ["DELETE", "/webhooks/{w}", null],
  ["POST", "/webhooks/{w}/rotate-secret", null],
  ["GET", "/webhooks/{w}/deliveries", null],
  [
    "POST",
    "/companies/{c}/group-rules",
    opt({
      group: fc.oneof(opt({ displayName: str("Sales", " ", "") }), opt({ id: str("VALID_OFFICE", "x") })),
      officeId: str("VALID_OFFICE"),
      licenseType: licenseNames,
      priority: num(1, 0, -1, 1_000_001),
    }),
  ],
  [
    "PATCH",
    "/companies/{c}/group-rules/{r}",
    opt({
      group: opt({ displayName: str("Support") }),
      officeId: fc.oneof(str("VALID_OFFICE"), fc.constant(null)),
      licenseType: fc.oneof(licenseNames, fc.constant(null)),
      priority: num(2, 1.5),
    }),
  ],
  ["DELETE", "/companies/{c}/group-rules/{r}", null],
  [
    "POST",
    "/companies/{c}/group-rules/preview",
    opt({
      action: str("create", "update", "delete", "rename"),
      ruleId: str("VALID_OFFICE", "x"),
      rule: opt({ group: opt({ displayName: str("Sales") }), licenseType: licenseNames, priority: num(1, 0.5) }),
    }),
  ],
  [
    "POST",
    "/companies/{c}/users/{u}/move",
    opt({ directoryId: str("VALID_DIRECTORY", "00000000-0000-0000-0000-000000000000") }),
  ],
  ["GET", "/companies/{c}/held-changes", null],
  [
    "POST",
    "/companies/{c}/held-changes/confirm",
    opt({ ids: fc.oneof(fc.array(str("00000000-0000-0000-0000-000000000000", "x"), { maxLength: 3 }), hostileJson) }),
  ],
  [
    "POST",
    "/companies/{c}/held-changes/reject",
    opt({ ids: fc.oneof(fc.array(str("00000000-0000-0000-0000-000000000000", "x"), { maxLength: 3 }), hostileJson) }),
  ],
  ["POST", "/jobs/{j}/retry", null],
  [
    "PUT",
    "/companies/{c}/sso/saml",
    opt({
      metadataXml: str(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;&b;&b;</x>',
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        "<EntityDescriptor/>",
      ),
      idpEntityId: str("urn:x"),
      ssoUrl: str("https://idp.example/sso", "javascript:alert(1)"),
      certificate: str("MIIB", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
    }),
  ],
];
