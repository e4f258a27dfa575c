import { DEFAULT_LICENSE_TYPE, type LicenseType } from "@scimline/domain";
import { badRequest, ScimError } from "../../scim/errors.ts";
import type { CompanyContext } from "../../tenancy.ts";

/**
 * The license type a user asks for, from the company's catalogue (docs/RULES.md "The SCIM surface": an unknown
 * one is 400 invalidValue listing the allowed values). Absent: Dialpad_Ai Voice, else
 * the company's first license type.
 */
export function resolveLicenseType(company: CompanyContext, requested: string | null): LicenseType {
  const catalogue = company.licenseTypes;
  if (requested === null) {
    const fallback = catalogue.find((l) => l.name === DEFAULT_LICENSE_TYPE) ?? catalogue[0];
    if (!fallback) throw new ScimError(400, "invalidValue", "The company has no license types; an admin must add one");
    return fallback;
  }
  const exact = catalogue.find((l) => l.name === requested);
  const loose = catalogue.find((l) => l.name.toLowerCase() === requested.toLowerCase());
  const found = exact ?? loose;
  if (!found) {
    const allowed = catalogue.map((l) => `"${l.name}"`).join(", ");
    throw badRequest(
      "invalidValue",
      `licenseType "${requested}" is not one of the company's license types: ${allowed}`,
    );
  }
  return found;
}
