import type { AdminApi } from "./lib.ts";

const COUNTRIES = ["US", "DE", "GB", "FR", "ES", "NL"];
const CITIES = ["Austin", "Berlin", "London", "Paris", "Madrid", "Amsterdam", "Denver", "Munich", "Leeds", "Lyon"];
const LICENSES = ["", "", "", "Dialpad_Support", "Dialpad_Ai Sales"];

/** An office name per index: "Austin 1", "Berlin 2", … */
export const officeName = (i: number) => `${CITIES[i % CITIES.length]} ${i}`;

/**
 * The company a preview runs against: `offices` offices in six countries (the first is main), 25 Voice
 * seats each, 100 pool numbers per office and 500 bound to none; billing day 1.
 */
export async function seedCompany(admin: AdminApi, offices: number, start: number) {
  const company = await admin("POST", "/companies", {
    name: `Preview bench ${start}`,
    country: "US",
    defaultAreaCode: "415",
    billingDay: 1,
    extensionRange: { start, end: start + 99_999 },
  });
  const id = String(company.id);
  for (let i = 0; i < offices; i++) {
    const office = await admin("POST", `/companies/${id}/offices`, {
      name: officeName(i),
      country: COUNTRIES[i % COUNTRIES.length],
      main: i === 0,
      seats: { "Dialpad_Ai Voice": 25 },
    });
    const numbers = Array.from({ length: 100 }, (_, k) => `+1${start + 3_000_000_000 + i * 1000 + k}`);
    await admin("POST", `/companies/${id}/numbers`, { numbers, officeId: office.id });
  }
  const unbound = Array.from({ length: 500 }, (_, k) => `+1${start + 3_900_000_000 + k}`);
  await admin("POST", `/companies/${id}/numbers`, { numbers: unbound });
  return id;
}

/** What user i gives: an office by name, an unknown department, a country, a typo, or nothing. */
function hintsOf(i: number, offices: number) {
  const office = officeName((i * 7) % offices);
  switch (i % 5) {
    case 0:
      return { officeName: office };
    case 1:
      return { department: `Team ${i % 40}`, countryCode: COUNTRIES[i % COUNTRIES.length] };
    case 2:
      return { physicalDeliveryOfficeName: office.replace(/[aeiou]/, "") };
    case 3:
      return { countryCode: COUNTRIES[i % COUNTRIES.length] };
    default:
      return {};
  }
}

/** `rows` users as an Okta user export (CSV, Okta's column names plus the custom office attributes). */
export function csvOf(rows: number, offices: number, tag: string): string {
  const lines = [
    "login,firstName,lastName,email,title,department,countryCode,officeName,physicalDeliveryOfficeName,licenseType",
  ];
  for (let i = 0; i < rows; i++) {
    const h: Record<string, string | undefined> = hintsOf(i, offices);
    const login = `${tag}.${i}@bench.example.com`;
    const cells = [login, "Bench", `User ${i}`, login, "Engineer", h.department, h.countryCode, h.officeName];
    lines.push([...cells, h.physicalDeliveryOfficeName, LICENSES[i % LICENSES.length]].map((c) => c ?? "").join(","));
  }
  return lines.join("\n");
}

/** The same users as SCIM User bodies, `{users: [...]}`. */
export function jsonOf(rows: number, offices: number, tag: string): string {
  const users = Array.from({ length: rows }, (_, i) => {
    const h: Record<string, string | undefined> = hintsOf(i, offices);
    const userName = `${tag}.${i}@bench.example.com`;
    return {
      schemas: [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
      ],
      userName,
      name: { givenName: "Bench", familyName: `User ${i}` },
      emails: [{ primary: true, value: userName, type: "work" }],
      title: "Engineer",
      active: true,
      ...(h.countryCode ? { addresses: [{ type: "work", country: h.countryCode }] } : {}),
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        ...(h.officeName ? { officeName: h.officeName } : {}),
        ...(h.physicalDeliveryOfficeName ? { physicalDeliveryOfficeName: h.physicalDeliveryOfficeName } : {}),
        ...(h.department ? { department: h.department } : {}),
        ...(LICENSES[i % LICENSES.length] ? { licenseType: LICENSES[i % LICENSES.length] } : {}),
      },
    };
  });
  return JSON.stringify({ users });
}
