import { normalizeCountry } from "./country.ts";
import { findClosestOffice } from "./office-similarity.ts";
import type { Office, OfficeHints, SeatCount } from "./types.ts";

export type MatchedBy =
  | "officeName"
  | "physicalDeliveryOfficeName"
  | "department"
  | "country"
  | "closestName"
  | "mainOffice";

export type OfficeMatch =
  | { type: "matched"; officeId: string; matchedBy: MatchedBy; value: string | null }
  | { type: "fail"; code: "no_office" };

export type MatchOfficeInput = {
  hints: OfficeHints;
  licenseTypeId: string;
  offices: readonly Office[];
  seats: readonly SeatCount[];
  /** The company buys a seat when the office has none free: then seats do not steer the closest name. */
  autoPurchase: boolean;
};

type NameField = "officeName" | "physicalDeliveryOfficeName" | "department";
const NAME_FIELDS: readonly NameField[] = ["officeName", "physicalDeliveryOfficeName", "department"];

/**
 * docs/RULES.md "Office match", run once at creation: name fields in order, then country, then the
 * closest name, then the main office. Pure: the caller passes the company's offices and seats.
 */
export function matchOffice(input: MatchOfficeInput): OfficeMatch {
  const offices = [...input.offices].sort(byAge);
  const oldest = offices[0];
  if (oldest === undefined) return { type: "fail", code: "no_office" };
  const hasFreeSeat = (office: Office): boolean => freeSeats(input.seats, office.id, input.licenseTypeId) > 0;

  // docs/RULES.md rules 1-3.
  const named = matchOfficeByName(input.hints, offices);
  if (named) return named;
  const given = givenNames(input.hints);

  // docs/RULES.md rule 4: several offices in the country → a free seat of the type first, then the oldest.
  const country = presentValue(input.hints.country);
  const code = normalizeCountry(country);
  if (country !== null && code !== null) {
    const inCountry = offices.filter((o) => o.country.trim().toUpperCase() === code);
    const office = inCountry.find(hasFreeSeat) ?? inCountry[0];
    if (office) return matched(office, "country", country);
  }

  // Rule 5: the closest name above the threshold. With auto-purchase on every office can take the user,
  // so the name alone decides. Off: the closest office with a free seat; none has one: the closest.
  const values = given.map((g) => g.value);
  const closest =
    (input.autoPurchase ? null : findClosestOffice(offices.filter(hasFreeSeat), values)) ??
    findClosestOffice(offices, values);
  if (closest) return matched(closest.office, "closestName", closest.value);

  // Rule 5, no value names an office: the main office; a company without one gets its oldest.
  const main = offices.find((o) => o.main) ?? oldest;
  return matched(main, "mainOffice", null);
}

const givenNames = (hints: OfficeHints) =>
  NAME_FIELDS.flatMap((field) => {
    const value = presentValue(hints[field]);
    return value === null ? [] : [{ field, value }];
  });

/**
 * Rules 1-3 alone: an office attribute (officeName, physicalDeliveryOfficeName, department, in that
 * order) that names an office; null when none does. Such an office is the user's own choice, so it
 * wins over group rules; a value that names no office does not count.
 */
export function matchOfficeByName(hints: OfficeHints, offices: readonly Office[]): OfficeMatch | null {
  const sorted = [...offices].sort(byAge);
  for (const { field, value } of givenNames(hints)) {
    const office = findByName(sorted, value);
    if (office) return matched(office, field, value);
  }
  return null;
}

/** How a user's office was chosen when it was chosen by its own office attribute (rules 1-3). */
export const isNamedMatch = (matchedBy: string | null): boolean =>
  matchedBy !== null && (NAME_FIELDS as readonly string[]).includes(matchedBy);

function matched(office: Office, matchedBy: MatchedBy, value: string | null): OfficeMatch {
  return { type: "matched", officeId: office.id, matchedBy, value };
}

/** Free seats of one license type in one office; rows are summed in case the caller passes several. */
export function freeSeats(seats: readonly SeatCount[], officeId: string, licenseTypeId: string): number {
  let free = 0;
  for (const seat of seats) {
    if (seat.officeId === officeId && seat.licenseTypeId === licenseTypeId) free += seat.purchased - seat.used;
  }
  return Math.max(0, free);
}

/** Oldest first; the id breaks ties so the order never depends on the input order. */
export function byAge(a: Office, b: Office): number {
  const diff = a.createdAt.getTime() - b.createdAt.getTime();
  if (diff !== 0) return diff;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Trimmed, or null when absent or only white space (docs/RULES.md: such a value counts as absent). */
function presentValue(value: string | undefined): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** Trim, collapse inner white space, case-fold: an Okta admin expects "new york" to find "New York". */
export function foldOfficeName(value: string): string {
  return value.trim().replace(/\s+/g, " ").normalize("NFC").toLowerCase();
}

// docs/RULES.md rules 1-3 say "equal" / "exact match, after trimming white space"; we also ignore
// case and repeated spaces (see foldOfficeName), but an exact match still wins over a folded one.
function findByName(offices: readonly Office[], value: string): Office | undefined {
  const exact = offices.find((o) => o.name.trim() === value);
  if (exact) return exact;
  const folded = foldOfficeName(value);
  return offices.find((o) => foldOfficeName(o.name) === folded);
}
