import { z } from "@hono/zod-openapi";
import { MAX_PREVIEW_USERS } from "../preview/csv.ts";

export const CSV_EXAMPLE =
  "login,firstName,lastName,email,department,countryCode,licenseType\n" +
  "ada@example.com,Ada,Lovelace,ada@example.com,Berlin,DE,Dialpad_Ai Voice\n" +
  "sam@example.com,Sam,Smith,sam@example.com,,US,\n";

const ScimUser = z.unknown().openapi({
  description:
    "A SCIM User resource as an identity provider would POST it to /scim/v2/Users (userName required; licenseType, officeName, physicalDeliveryOfficeName and department at the top level or in the enterprise extension; the work address's country). An item that is not one is refused on its own, not the request.",
  example: {
    userName: "ada@example.com",
    name: { givenName: "Ada", familyName: "Lovelace" },
    emails: [{ value: "ada@example.com", primary: true }],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { officeName: "Berlin" },
  },
});

export const PreviewJsonBody = z
  .object({
    users: z
      .array(ScimUser)
      .max(MAX_PREVIEW_USERS, `at most ${MAX_PREVIEW_USERS.toLocaleString("en")} users per preview`),
  })
  .openapi("PreviewRequest");

const Refusal = z
  .object({
    code: z.string().openapi({
      description:
        "The door's SCIM error type (`invalidValue`, `invalidSyntax`, `uniqueness`), or the code the user would wait with (`no_license_available` — also the door's seat pre-check —, `spend_cap_reached`, `no_office`, `no_extension_available`)",
      example: "uniqueness",
    }),
    detail: z.string(),
  })
  .openapi("PreviewRefusal");

const PreviewUser = z
  .object({
    userName: z.string().nullable().openapi({ description: "null when the item gives none" }),
    office: z.object({ id: z.string(), name: z.string() }).nullable(),
    matchedBy: z.string().nullable().openapi({
      description:
        "officeName, physicalDeliveryOfficeName, department, country, closestName or mainOffice; null without an office",
    }),
    matchedValue: z.string().nullable(),
    licenseType: z.string().nullable(),
    seat: z.enum(["reuse", "buy", "none", "refused"]).openapi({
      description: "reuse a free seat, buy one (chargeCents), none (an inactive user takes none), or refused",
    }),
    chargeCents: z.number().int().openapi({ description: "The prorated charge of the seat bought, else 0" }),
    number: z.object({ source: z.enum(["officePool", "unboundPool", "carrier", "none"]) }),
    refusal: Refusal.nullable(),
  })
  .openapi("PreviewUser");

const PreviewTotals = z
  .object({
    users: z.number().int(),
    seatsToBuy: z.array(
      z.object({
        officeId: z.string(),
        officeName: z.string(),
        licenseType: z.string(),
        count: z.number().int(),
        chargeCents: z.number().int(),
      }),
    ),
    chargeCents: z.number().int(),
    numbersFromPool: z.number().int(),
    numbersToBuy: z.array(z.object({ areaCode: z.string(), count: z.number().int() })),
    refused: z.record(z.string(), z.number().int()).openapi({ description: "Users per refusal code" }),
    unmatchedHints: z.array(z.object({ value: z.string(), count: z.number().int() })).openapi({
      description:
        "Office-like values (officeName, physicalDeliveryOfficeName, department) that named no office: their users fell back to country, closest name or the main office. Most frequent first.",
    }),
  })
  .openapi("PreviewTotals");

export const PreviewResult = z.object({ users: z.array(PreviewUser), totals: PreviewTotals }).openapi("Preview");
