import { SCHEMA } from "../scim/resource/schema.ts";

/** Where a CSV column's value goes in the SCIM User it stands for (as Okta's SCIM app would send it). */
type Target =
  | { type: "core"; attribute: string }
  | { type: "name"; attribute: string }
  | { type: "enterprise"; attribute: string }
  | { type: "email"; kind: "work" | "other" }
  | { type: "phone"; kind: "work" | "mobile" }
  | { type: "address"; attribute: string }
  | { type: "manager" };

const core = (attribute: string): Target => ({ type: "core", attribute });
const name = (attribute: string): Target => ({ type: "name", attribute });
const enterprise = (attribute: string): Target => ({ type: "enterprise", attribute });
const address = (attribute: string): Target => ({ type: "address", attribute });

/**
 * Accepted column names, ours and those of Okta's user profile (its CSV export and import template),
 * compared lower-cased without spaces, dots or dashes, and without a leading "profile.". Other
 * columns are ignored. Documented in README "Preview an onboarding".
 */
const COLUMNS: Record<string, Target> = {
  username: core("userName"),
  login: core("userName"),
  givenname: name("givenName"),
  firstname: name("givenName"),
  familyname: name("familyName"),
  lastname: name("familyName"),
  middlename: name("middleName"),
  honorificprefix: name("honorificPrefix"),
  honorificsuffix: name("honorificSuffix"),
  displayname: core("displayName"),
  nickname: core("nickName"),
  title: core("title"),
  usertype: core("userType"),
  preferredlanguage: core("preferredLanguage"),
  locale: core("locale"),
  timezone: core("timezone"),
  profileurl: core("profileUrl"),
  email: { type: "email", kind: "work" },
  primaryemail: { type: "email", kind: "work" },
  secondemail: { type: "email", kind: "other" },
  primaryphone: { type: "phone", kind: "work" },
  mobilephone: { type: "phone", kind: "mobile" },
  streetaddress: address("streetAddress"),
  city: address("locality"),
  state: address("region"),
  zipcode: address("postalCode"),
  postaladdress: address("formatted"),
  countrycode: address("country"),
  country: address("country"),
  officename: enterprise("officeName"),
  physicaldeliveryofficename: enterprise("physicalDeliveryOfficeName"),
  department: enterprise("department"),
  licensetype: enterprise("licenseType"),
  employeenumber: enterprise("employeeNumber"),
  costcenter: enterprise("costCenter"),
  organization: enterprise("organization"),
  division: enterprise("division"),
  managerid: { type: "manager" },
};

/** The accepted column names as documented (for error messages). */
export const ACCEPTED_COLUMNS = Object.keys(COLUMNS);

const normalize = (header: string) =>
  header
    .trim()
    .replace(/^profile\./i, "")
    .toLowerCase()
    .replace(/[\s._-]+/g, "");

const targetKey = (t: Target) => JSON.stringify(t);

export type ColumnMap = ReadonlyArray<Target | null>;

/** The header row's targets, one per column (null: ignored); a problem is a message for the client. */
export function mapHeader(header: readonly string[]): { columns: ColumnMap } | { problem: string } {
  const seen = new Map<string, string>();
  const columns = header.map((raw) => {
    const target = COLUMNS[normalize(raw)] ?? null;
    if (target === null) return null;
    const key = targetKey(target);
    const earlier = seen.get(key);
    if (earlier !== undefined) return { duplicate: `columns "${earlier}" and "${raw}" give the same attribute` };
    seen.set(key, raw);
    return target;
  });
  const duplicate = columns.find((c): c is { duplicate: string } => c !== null && "duplicate" in c);
  if (duplicate) return { problem: duplicate.duplicate };
  if (!seen.has(targetKey(core("userName")))) {
    return { problem: 'the header row has no userName column (also accepted: "login", Okta\'s name)' };
  }
  return { columns: columns as ColumnMap };
}

type Body = Record<string, unknown>;
const objectAt = (body: Body, key: string): Body => {
  const existing = body[key];
  if (typeof existing === "object" && existing !== null && !Array.isArray(existing)) return existing as Body;
  const created: Body = {};
  body[key] = created;
  return created;
};
const listAt = (body: Body, key: string): Body[] => {
  const existing = body[key];
  if (Array.isArray(existing)) return existing as Body[];
  const created: Body[] = [];
  body[key] = created;
  return created;
};

/** The SCIM User a data row stands for; empty fields are absent, as Okta leaves them out. */
export function userFromRow(columns: ColumnMap, row: readonly string[]): Body {
  const body: Body = { schemas: [SCHEMA.user, SCHEMA.enterprise] };
  columns.forEach((target, i) => {
    const value = row[i];
    if (target === null || value === undefined || value === "") return;
    switch (target.type) {
      case "core":
        body[target.attribute] = value;
        break;
      case "name":
        objectAt(body, "name")[target.attribute] = value;
        break;
      case "enterprise":
        objectAt(body, SCHEMA.enterprise)[target.attribute] = value;
        break;
      case "manager":
        objectAt(objectAt(body, SCHEMA.enterprise), "manager").value = value;
        break;
      case "email":
        listAt(body, "emails").push({ value, type: target.kind, primary: target.kind === "work" });
        break;
      case "phone":
        listAt(body, "phoneNumbers").push({ value, type: target.kind });
        break;
      case "address": {
        const addresses = listAt(body, "addresses");
        const work = addresses[0] ?? { type: "work", primary: true };
        if (addresses.length === 0) addresses.push(work);
        work[target.attribute] = value;
        break;
      }
    }
  });
  return body;
}
