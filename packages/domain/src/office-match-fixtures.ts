// Shared fixtures of the office-match tests (not part of the package API).
import type { MatchedBy } from "./office-match.ts";
import type { Office, OfficeHints, SeatCount } from "./types.ts";

export const VOICE = "lt-voice";
export const SUPPORT = "lt-support";

export function office(id: string, name: string, country: string, createdAt: string, main = false): Office {
  return { id, name, country, main, createdAt: new Date(createdAt) };
}

// `sup` is the oldest office but not the main one; `ber` and `mun` share a creation time.
export const OFFICES: readonly Office[] = [
  office("ny", "New York", "US", "2020-01-01T00:00:00Z", true),
  office("ldn", "London", "GB", "2020-02-01T00:00:00Z"),
  office("sf", "San Francisco", "US", "2020-03-01T00:00:00Z"),
  office("ber", "Berlin", "DE", "2021-01-01T00:00:00Z"),
  office("mun", "Munich", "DE", "2021-01-01T00:00:00Z"),
  office("sup", "Support Center", "US", "2019-06-01T00:00:00Z"),
];

/** Seats with `free` free seats of the license type per office (5 purchased). */
export function seatsFree(free: Record<string, number>, licenseTypeId = VOICE): SeatCount[] {
  return Object.entries(free).map(([officeId, n]) => ({ officeId, licenseTypeId, purchased: 5, used: 5 - n }));
}

/** autoPurchase absent: the row must hold with auto-purchase on and off alike. */
export type Setup = { seats?: SeatCount[]; offices?: readonly Office[]; autoPurchase?: boolean };
export type OfficeMatchRow = [
  name: string,
  hints: OfficeHints,
  officeId: string,
  matchedBy: MatchedBy,
  value: string | null,
  setup?: Setup,
];

/** One run per auto-purchase setting the row names (both when it names none), offices in either order. */
export function runsOf(rows: readonly OfficeMatchRow[]) {
  return rows.flatMap(([name, hints, officeId, matchedBy, value, setup = {}]) =>
    (setup.autoPurchase === undefined ? [true, false] : [setup.autoPurchase]).flatMap((autoPurchase) =>
      [false, true].map((reversed) => {
        const offices = [...(setup.offices ?? OFFICES)];
        return {
          title: `${name} (auto-purchase ${autoPurchase ? "on" : "off"}${reversed ? ", offices reversed" : ""})`,
          input: {
            hints,
            licenseTypeId: VOICE,
            offices: reversed ? offices.reverse() : offices,
            seats: setup.seats ?? [],
            autoPurchase,
          },
          expected: { type: "matched" as const, officeId, matchedBy, value },
        };
      }),
    ),
  );
}
