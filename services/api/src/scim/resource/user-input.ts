import type { OfficeHints } from "@scimline/domain";
import { badRequest } from "../errors.ts";
import { canonicalize, checkIndexed, checkResourceSize } from "./canonical.ts";
import { SCHEMA } from "./schema.ts";

/** What the door needs from a user body: the document plus the columns it is indexed and provisioned by. */
export type UserInput = {
  document: Record<string, unknown>;
  password?: string;
  userName: string;
  externalId: string | null;
  displayName: string | null;
  email: string | null;
  active: boolean;
  /** The licenseType the client named, if any (top level or enterprise extension). */
  licenseType: string | null;
  /** Set when the top level and the enterprise extension name different license types. */
  licenseTypeConflict: string | null;
  officeHints: OfficeHints;
};

type Entry = Record<string, unknown>;
const entries = (value: unknown): Entry[] =>
  Array.isArray(value) ? value.filter((v): v is Entry => typeof v === "object" && v !== null) : [];
const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

/** Primary entry, else the one of `type`, else (when `anyAsLast`) the first. */
function pick(list: Entry[], type: string, anyAsLast: boolean): Entry | undefined {
  return (
    list.find((e) => e.primary === true) ??
    list.find((e) => typeof e.type === "string" && e.type.toLowerCase() === type) ??
    (anyAsLast ? list[0] : undefined)
  );
}

/** An attribute accepted in the enterprise extension or at the top level (docs/RULES.md "The SCIM surface"); the extension wins. */
function dual(document: Entry, name: string): string | undefined {
  const ext = document[SCHEMA.enterprise];
  const fromExt = typeof ext === "object" && ext !== null ? text((ext as Entry)[name]) : undefined;
  return fromExt ?? text(document[name]);
}

/** The licenseType a document names (the enterprise extension's, else the top level's). */
export function licenseTypeOf(document: Entry): { value: string | null; conflict: string | null } {
  const ext = document[SCHEMA.enterprise];
  const extLicense = typeof ext === "object" && ext !== null ? text((ext as Entry).licenseType) : undefined;
  const topLicense = text(document.licenseType);
  const conflict =
    extLicense && topLicense && extLicense !== topLicense
      ? `licenseType is given twice with different values ("${topLicense}", "${extLicense}")`
      : null;
  return { value: extLicense ?? topLicense ?? null, conflict };
}

/** The licenseType a request asks for; two different ones are refused. */
export function requestedLicenseType(input: Pick<UserInput, "licenseType" | "licenseTypeConflict">): string | null {
  if (input.licenseTypeConflict !== null) throw badRequest("invalidValue", input.licenseTypeConflict);
  return input.licenseType;
}

/** `current`: the stored resource a PATCH applied to (see checkResourceSize). */
export function parseUserInput(body: unknown, current?: Record<string, unknown>): UserInput {
  const { document, password } = canonicalize("User", body);
  checkResourceSize(document, current);
  const userName = document.userName;
  if (typeof userName !== "string" || userName.trim() === "") {
    throw badRequest("invalidValue", "userName is required and must be a non-empty string");
  }
  checkIndexed(userName, "userName");
  const externalId = checkIndexed(typeof document.externalId === "string" ? document.externalId : null, "externalId");
  if (document.active === undefined) document.active = true;

  const license = licenseTypeOf(document);
  const address = pick(entries(document.addresses), "work", false);
  // Entra maps physicalDeliveryOfficeName to addresses[type eq "other"].formatted by default.
  const otherAddress = entries(document.addresses).find((a) => a.type === "other");
  const hints: OfficeHints = {};
  const officeName = dual(document, "officeName");
  const physical = dual(document, "physicalDeliveryOfficeName") ?? text(otherAddress?.formatted);
  const department = dual(document, "department");
  const country = text(address?.country);
  if (officeName) hints.officeName = officeName;
  if (physical) hints.physicalDeliveryOfficeName = physical;
  if (department) hints.department = department;
  if (country) hints.country = country;

  const email = pick(entries(document.emails), "work", true)?.value;
  const input: UserInput = {
    document,
    userName,
    externalId,
    displayName: typeof document.displayName === "string" ? document.displayName : null,
    email: typeof email === "string" ? email : null,
    active: document.active === true,
    licenseType: license.value,
    licenseTypeConflict: license.conflict,
    officeHints: hints,
  };
  if (password !== undefined) input.password = password;
  return input;
}
