import { z } from "@hono/zod-openapi";
import { isAreaCode, isE164, MAX_EXTENSION, normalizeCountry, validateExtensionRange } from "@scimline/domain";
import { SettingsView, settingsInputShape } from "./company-settings.ts";
import { DIRECTORY_FIELDS, directoryFieldsInput, directoryFieldsView } from "./directory-fields.ts";

export const Id = z.uuid().openapi({ example: "019a6b1e-7c1d-7f3a-9a53-2b1c3d4e5f60" });
const pathParam = (name: string) => Id.openapi({ param: { name, in: "path" } });
export const CompanyParams = z.object({ id: pathParam("id") });
export const DirectoryParams = CompanyParams;
export const OfficeParams = z.object({ id: pathParam("id"), officeId: pathParam("officeId") });
export const UserParams = z.object({ id: pathParam("id"), userId: pathParam("userId") });
export const LicenseTypeParams = z.object({ id: pathParam("id"), licenseTypeId: pathParam("licenseTypeId") });

export const Country = z
  .string()
  .trim()
  .min(2)
  .max(80)
  .transform((value, ctx) => {
    const code = normalizeCountry(value);
    if (!code) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 3166-1 alpha-2 code or an English country name" });
      return z.NEVER;
    }
    return code;
  })
  .openapi({ type: "string", example: "US" });

export const AreaCode = z
  .string()
  .refine(isAreaCode, "must be a 3-digit North American area code (first digit 2-9)")
  .openapi({ example: "415" });

export const E164 = z
  .string()
  .refine(isE164, "must be an E.164 number such as +14155550100")
  .openapi({ example: "+14155550100" });

export const LicenseTypeInput = z.object({
  name: z.string().trim().min(1).max(100),
  monthlyPriceCents: z.number().int().min(0).max(100_000_000),
  assignsDid: z.boolean(),
});

export const LicenseTypeView = z
  .object({ id: Id, name: z.string(), monthlyPriceCents: z.number().int(), assignsDid: z.boolean() })
  .openapi("LicenseType");

export const ExtensionRange = z
  .object({ start: z.number().int().min(0).max(MAX_EXTENSION), end: z.number().int().min(0).max(MAX_EXTENSION) })
  .superRefine((range, ctx) => {
    const problem = validateExtensionRange(range);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const CompanyCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    country: Country,
    defaultAreaCode: AreaCode,
    billingDay: z.number().int().min(1).max(31).optional(),
    extensionRange: ExtensionRange.optional(),
    licenseTypes: z
      .array(LicenseTypeInput)
      .min(1)
      .max(50)
      .refine((l) => new Set(l.map((x) => x.name)).size === l.length, "license type names must be unique")
      .optional(),
    ...settingsInputShape,
  })
  .openapi("CompanyCreate");

export const CompanyView = z
  .object({
    id: Id,
    name: z.string(),
    country: z.string(),
    defaultAreaCode: z.string(),
    billingDay: z.number().int(),
    extensionRange: z.object({ start: z.number().int(), end: z.number().int() }),
    settings: SettingsView,
    /** Copies of two settings, kept for clients written before `settings`. */
    autoPurchaseLicenses: z.boolean(),
    preventOtherSso: z.boolean(),
    licenseTypes: z.array(LicenseTypeView),
    createdAt: z.string(),
  })
  .openapi("Company");

export const OfficeCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    country: Country,
    main: z.boolean().optional(),
    seats: z.record(z.string(), z.number().int().min(0).max(1_000_000)).optional(),
  })
  .openapi("OfficeCreate");

export const SeatView = z.object({ purchased: z.number().int(), used: z.number().int() });

export const OfficeView = z
  .object({
    id: Id,
    companyId: Id,
    name: z.string(),
    country: z.string(),
    main: z.boolean(),
    seats: z.record(z.string(), SeatView),
    createdAt: z.string(),
  })
  .openapi("Office");

export const NumbersCreate = z
  .object({ numbers: z.array(E164).min(1).max(100_000), officeId: Id.optional() })
  .openapi("NumbersCreate");

export const NumberView = z
  .object({ e164: z.string(), officeId: Id.nullable(), assignedUserId: Id.nullable(), source: z.string() })
  .openapi("PhoneNumber");

export const DirectoryCreate = z
  .strictObject({ ...directoryFieldsInput, name: DIRECTORY_FIELDS.name.input })
  .openapi("DirectoryCreate");

export const DirectoryView = z
  .object({ id: Id, companyId: Id, scimBaseUrl: z.string(), ...directoryFieldsView, createdAt: z.string() })
  .openapi("Directory");

export const TokenCreated = z
  .object({
    id: Id,
    token: z.string(),
    hint: z.string(),
    directoryId: Id,
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi("TokenCreated");

export const TokenView = z
  .object({
    id: Id,
    hint: z.string(),
    directoryId: Id,
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z
      .string()
      .nullable()
      .openapi({ description: "The last request it authenticated (a second or so late)" }),
  })
  .openapi("Token");

export const TokenCreate = z
  .strictObject({
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: "When the token stops authenticating (in the future); absent: never" }),
  })
  .openapi("TokenCreate");

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }) })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorBody } },
});

/**
 * The error responses of a route: its own 404/409 cases (descriptions list the codes) plus
 * what every admin route can answer. Routes with a body can also get 413.
 */
export const errors = (
  own: { 400?: string; 403?: string; 404?: string; 409?: string } = {},
  options: { body?: boolean } = {},
) => ({
  400: errorResponse(
    own[400] ?? "VALIDATION_FAILED (the message names each bad field), or INVALID_JSON for a body that is not JSON",
  ),
  401: errorResponse("UNAUTHORIZED: missing or wrong admin key"),
  ...(own[403] ? { 403: errorResponse(own[403]) } : {}),
  ...(own[404] ? { 404: errorResponse(own[404]) } : {}),
  ...(own[409] ? { 409: errorResponse(own[409]) } : {}),
  ...(options.body ? { 413: errorResponse("PAYLOAD_TOO_LARGE: the body is larger than 1 MiB") } : {}),
  500: errorResponse("INTERNAL: an unexpected error, logged with the requestId"),
  503: errorResponse("UNAVAILABLE: the database cannot be reached; retry after Retry-After seconds"),
});

/** The routes the ops console's buttons call also take its Basic credential: a write must come from this site. */
export const CROSS_SITE =
  "CROSS_SITE_REQUEST: a write sent by another site's page with the ops console's Basic credential";

export const NOT_FOUND = {
  company: "COMPANY_NOT_FOUND",
  office: "COMPANY_NOT_FOUND or OFFICE_NOT_FOUND (also for another company's office)",
  user: "COMPANY_NOT_FOUND or USER_NOT_FOUND (also for another company's user, and for deleted users)",
  directory: "DIRECTORY_NOT_FOUND",
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** A PATCH body must change something: `{}` is refused rather than silently ignored. */
export const nonEmpty = (value: Record<string, unknown>) => Object.values(value).some((v) => v !== undefined);
