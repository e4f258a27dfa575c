// Shared shapes of the business rules. Dates are values passed in by the caller
// (the clock is an input), ids are opaque strings.

export type LicenseType = { id: string; name: string; monthlyPriceCents: number; assignsDid: boolean };

export type Office = {
  id: string;
  name: string;
  /** ISO 3166-1 alpha-2, upper-case. */
  country: string;
  main: boolean;
  createdAt: Date;
};

export type SeatCount = { officeId: string; licenseTypeId: string; purchased: number; used: number };

/** `held`: a deactivation or delete the breaker holds for an admin (shown; the worker never records it). */
export const USER_STATUSES = ["provisioning", "active", "suspended", "failed", "held"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

// docs/RULES.md "The SCIM surface": stable snake_case codes, shown as `error` in the telephony extension.
export const PROVISIONING_ERROR_CODES = [
  "no_license_available",
  "spend_cap_reached",
  "no_number_available",
  "no_office",
  "no_extension_available",
  // Any other final failure of a job (retries used up on a transient error, stalled too often).
  "provisioning_error",
] as const;
export type ProvisioningErrorCode = (typeof PROVISIONING_ERROR_CODES)[number];

/** What an admin or on-call engineer does about each code, in plain words (API, dashboard, job errors). */
const REMEDIES: Readonly<Record<ProvisioningErrorCode, string>> = {
  no_license_available:
    "no free seat of the user's license type in its office and auto-purchase is off: add seats of the license type to the office (or turn auto-purchase on), then retry",
  spend_cap_reached:
    "buying the seat would pass the company's monthly spend cap (monthlySpendCapCents) for this billing period: raise or remove the cap, or add seats to the office (seats an admin adds cost nothing); waiting users then continue",
  no_office: "the company has no office to provision the user into: create an office, then retry",
  no_extension_available: "the company's extension range is exhausted: widen it, then retry",
  no_number_available:
    "no pool number is free and the carrier has none in the area code: add numbers to the company's pool, then retry",
  provisioning_error: "the job failed for good: read its error in the queue dashboard, fix the cause, then retry",
};

/** Not a failure: a new user `provisioning` while it waits for its group memberships (group rules). */
export const AWAITING_GROUP_RULES = "awaiting_group_rules";

export const remedyOf = (code: ProvisioningErrorCode): string => REMEDIES[code];

/** The user attributes that decide the office (docs/RULES.md "Office match"). */
export type OfficeHints = {
  officeName?: string;
  physicalDeliveryOfficeName?: string;
  department?: string;
  country?: string;
};

export type LicenseCatalogueEntry = { name: string; monthlyPriceCents: number; assignsDid: boolean };

// docs/RULES.md "License check": the default catalogue; Contact Center (Support) gets no DID.
export const DEFAULT_LICENSE_CATALOGUE: ReadonlyArray<Readonly<LicenseCatalogueEntry>> = Object.freeze([
  Object.freeze({ name: "Dialpad_Ai Voice", monthlyPriceCents: 1500, assignsDid: true }),
  Object.freeze({ name: "Dialpad_Support", monthlyPriceCents: 2500, assignsDid: false }),
  Object.freeze({ name: "Dialpad_Ai Sales", monthlyPriceCents: 3000, assignsDid: true }),
]);

/** docs/RULES.md: the license type of a user whose `licenseType` is absent. */
export const DEFAULT_LICENSE_TYPE = "Dialpad_Ai Voice";

export function isProvisioningErrorCode(value: unknown): value is ProvisioningErrorCode {
  return typeof value === "string" && (PROVISIONING_ERROR_CODES as readonly string[]).includes(value);
}
