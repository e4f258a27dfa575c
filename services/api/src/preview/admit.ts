import type { PlanSnapshot } from "@scimline/db";
import type { LicenseType, OfficeHints } from "@scimline/domain";
import { ScimError } from "../scim/errors.ts";
import { parseUserInput, requestedLicenseType, type UserInput } from "../scim/resource/user-input.ts";
import type { CompanyContext } from "../tenancy.ts";
import { resolveLicenseType } from "../use-cases/users/license.ts";
import { seatPrecheckRefusal } from "../use-cases/users/seat-precheck.ts";

export type Refusal = { code: string; detail: string };

/** A user of the file as the door would take it: accepted with its desired state, or refused and why. */
export type Admission =
  | {
      type: "accepted";
      userName: string;
      license: LicenseType;
      /** The body named a license type (a group rule's then does not replace it). */
      licenseExplicit: boolean;
      active: boolean;
      hints: OfficeHints;
    }
  | { type: "refused"; userName: string | null; licenseType: string | null; refusal: Refusal };

/** What the admission reads of a user: its document and password are not kept (10,000 of them per preview). */
export type AdmissionInput = Omit<UserInput, "document" | "password">;

export type Parsed = { type: "parsed"; input: AdmissionInput } | Extract<Admission, { type: "refused" }>;

const refusalOf = (error: unknown): Refusal => {
  if (error instanceof ScimError) return { code: error.scimType ?? "invalidValue", detail: error.detail };
  throw error;
};

const userNameOf = (body: unknown): string | null => {
  const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>).userName : undefined;
  return typeof value === "string" ? value : null;
};

/** The door's validation and conversion of a SCIM User body (schema, types, userName, license hints). */
export function parseBody(body: unknown): Parsed {
  try {
    const { document: _, password: __, ...input } = parseUserInput(body);
    return { type: "parsed", input };
  } catch (error) {
    return { type: "refused", userName: userNameOf(body), licenseType: null, refusal: refusalOf(error) };
  }
}

/**
 * The door's checks that read the company, in the door's order: the license type (unknown: the
 * allowed list), the seat pre-check when auto-purchase is off, then the userName's uniqueness in the
 * company, against live users and the users accepted earlier in the same file.
 */
export class Admitter {
  private readonly accepted = new Set<string>();
  private readonly company: CompanyContext;

  constructor(private readonly snapshot: PlanSnapshot) {
    this.company = {
      id: snapshot.company.id,
      autoPurchaseLicenses: snapshot.company.autoPurchase,
      licenseTypes: snapshot.licenseTypes,
      // A preview creates; the breaker is about deactivations.
      deactivationBreaker: null,
    };
  }

  admit(parsed: Parsed): Admission {
    if (parsed.type === "refused") return parsed;
    const { input } = parsed;
    const refused = (licenseType: string | null, refusal: Refusal): Admission => ({
      type: "refused",
      userName: input.userName,
      licenseType,
      refusal,
    });
    let license: LicenseType;
    try {
      license = resolveLicenseType(this.company, requestedLicenseType(input));
    } catch (error) {
      return refused(input.licenseType, refusalOf(error));
    }
    if (!this.company.autoPurchaseLicenses && input.active) {
      const { offices, seats } = this.snapshot.company;
      const detail = seatPrecheckRefusal(offices, seats, license, input.officeHints, {
        groupRules: (this.snapshot.company.groupRules?.length ?? 0) > 0,
        licenseSent: input.licenseType !== null,
      });
      if (detail !== null) return refused(license.name, { code: "no_license_available", detail });
    }
    const name = this.snapshot.userNames.get(input.userName);
    const key = name?.key ?? input.userName.toLowerCase();
    if (name?.taken || this.accepted.has(key)) {
      const detail = name?.taken
        ? "A user with this userName already exists in this company"
        : "A user with this userName appears earlier in this file";
      return refused(license.name, { code: "uniqueness", detail });
    }
    this.accepted.add(key);
    return {
      type: "accepted",
      userName: input.userName,
      license,
      licenseExplicit: input.licenseType !== null,
      active: input.active,
      hints: input.officeHints,
    };
  }
}
