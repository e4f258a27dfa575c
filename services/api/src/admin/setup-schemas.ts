import { z } from "@hono/zod-openapi";
import { SETTING_NAMES, settingsInputShape } from "./company-settings.ts";
import { AreaCode, Country, ExtensionRange, LicenseTypeInput, nonEmpty } from "./schemas.ts";

const atLeastOne = (fields: string) => `give at least one of ${fields}`;
const SeatCounts = z.record(z.string(), z.number().int().min(0).max(1_000_000));

const companyFields = ["name, country, billingDay, defaultAreaCode, extensionRange", ...SETTING_NAMES].join(", ");
export const CompanyUpdate = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    country: Country.optional(),
    billingDay: z
      .number()
      .int()
      .min(1)
      .max(31)
      .optional()
      .openapi({ description: "Day of the month the billing period starts (29-31 fall back to a short month's end)" }),
    defaultAreaCode: AreaCode.optional().openapi({ description: "Area code of numbers bought from the carrier" }),
    extensionRange: ExtensionRange.optional().openapi({
      description: "Widening adds extensions; shrinking is refused (409) while an extension outside is assigned",
    }),
    ...settingsInputShape,
  })
  .refine(nonEmpty, atLeastOne(companyFields))
  .openapi("CompanyUpdate", { minProperties: 1 });

export const LicenseTypeCreate = LicenseTypeInput.strict().openapi("LicenseTypeCreate");

export const LicenseTypeUpdate = z
  .strictObject({
    name: LicenseTypeInput.shape.name.optional(),
    monthlyPriceCents: LicenseTypeInput.shape.monthlyPriceCents
      .optional()
      .openapi({ description: "Applies to seats bought from now on; past charges keep their price" }),
    assignsDid: z
      .boolean()
      .optional()
      .openapi({ description: "Only while no user holds this license type (else 409 LICENSE_TYPE_IN_USE)" }),
  })
  .refine(nonEmpty, atLeastOne("name, monthlyPriceCents, assignsDid"))
  .openapi("LicenseTypeUpdate", { minProperties: 1 });

export const OfficeUpdate = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    country: Country.optional(),
    main: z.boolean().optional().openapi({
      description:
        "true makes this the main office (the previous one stops being main); false on the main office is refused (409 MAIN_OFFICE_REQUIRED): make another office main instead",
    }),
    seats: SeatCounts.optional().openapi({
      description:
        "Seats purchased per license type name. Not below the seats in use (409 SEATS_IN_USE). Added seats go first to the office's users waiting with no_license_available",
    }),
  })
  .refine(nonEmpty, atLeastOne("name, country, main, seats"))
  .openapi("OfficeUpdate", { minProperties: 1 });
