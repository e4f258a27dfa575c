import { describe, expect, test } from "vitest";
import { matchOffice } from "./office-match.ts";
import { OFFICES, type OfficeMatchRow, office, runsOf, seatsFree } from "./office-match-fixtures.ts";

const BERLIN_BERN = [
  office("ber", "Berlin", "DE", "2021-01-01T00:00:00Z"),
  office("bern", "Bern", "CH", "2021-02-01T00:00:00Z"),
];

// Rule 5 with placeholders and seats, and the main office when no value names an office.
const rows: OfficeMatchRow[] = [
  // Placeholders are no names
  ["---", { department: "---" }, "ny", "mainOffice", null],
  [
    "n/a",
    { officeName: "n/a" },
    "ny",
    "mainOffice",
    null,
    { offices: [...OFFICES, office("na", "NA", "US", "2018-01-01T00:00:00Z")] },
  ],
  ["N/A in capitals", { physicalDeliveryOfficeName: "N/A" }, "ny", "mainOffice", null],
  [
    "none",
    { department: "None" },
    "ny",
    "mainOffice",
    null,
    { offices: [...OFFICES, office("nome", "Nome", "US", "2018-01-01T00:00:00Z")] },
  ],
  ["unknown", { officeName: "Unknown" }, "ny", "mainOffice", null],
  ["TBD", { officeName: "TBD" }, "ny", "mainOffice", null],
  ["a question mark", { officeName: "?" }, "ny", "mainOffice", null],
  ["null as text", { department: "null" }, "ny", "mainOffice", null],
  [
    "several placeholders",
    { officeName: "-", physicalDeliveryOfficeName: "n.a.", department: "Not applicable" },
    "ny",
    "mainOffice",
    null,
  ],
  // Seats: auto-purchase on lets the name alone decide; off prefers a free seat among close names
  [
    "auto-purchase on: the closest even without a free seat",
    { officeName: "Londn" },
    "ldn",
    "closestName",
    "Londn",
    {
      seats: seatsFree({ ber: 1, ldn: 0 }),
      autoPurchase: true,
    },
  ],
  [
    "auto-purchase on: the closer of two close names",
    { officeName: "Berln" },
    "ber",
    "closestName",
    "Berln",
    {
      offices: BERLIN_BERN,
      seats: seatsFree({ bern: 2, ber: 0 }),
      autoPurchase: true,
    },
  ],
  [
    "auto-purchase off: a close name with a free seat wins",
    { officeName: "Berln" },
    "bern",
    "closestName",
    "Berln",
    {
      offices: BERLIN_BERN,
      seats: seatsFree({ bern: 2, ber: 0 }),
      autoPurchase: false,
    },
  ],
  [
    "auto-purchase off: the closer one when both have a seat",
    { officeName: "Berln" },
    "ber",
    "closestName",
    "Berln",
    {
      offices: BERLIN_BERN,
      seats: seatsFree({ bern: 2, ber: 1 }),
      autoPurchase: false,
    },
  ],
  [
    "auto-purchase off, no close name has a seat: the closest",
    { officeName: "Berln" },
    "ber",
    "closestName",
    "Berln",
    {
      offices: BERLIN_BERN,
      autoPurchase: false,
    },
  ],
  [
    "auto-purchase off: a free seat far from the name does not count",
    { officeName: "Londn" },
    "ldn",
    "closestName",
    "Londn",
    {
      seats: seatsFree({ ber: 1 }),
      autoPurchase: false,
    },
  ],
  [
    "auto-purchase off: several with seats, the closest of them",
    { officeName: "Munch" },
    "mun",
    "closestName",
    "Munch",
    {
      seats: seatsFree({ ber: 1, mun: 1, ny: 2 }),
      autoPurchase: false,
    },
  ],
  [
    "auto-purchase off: below the threshold is still the main office",
    { officeName: "Qqq" },
    "ny",
    "mainOffice",
    null,
    {
      seats: seatsFree({ ber: 1 }),
      autoPurchase: false,
    },
  ],
  // No office-like value
  ["no hints: main office", {}, "ny", "mainOffice", null],
  [
    "blank hints: main office",
    { officeName: " ", physicalDeliveryOfficeName: "\t", department: "", country: "  " },
    "ny",
    "mainOffice",
    null,
  ],
  ["country with no office: main office", { country: "FR" }, "ny", "mainOffice", null],
  ["unknown country: main office", { country: "Atlantis" }, "ny", "mainOffice", null],
  ["main office even without a free seat", {}, "ny", "mainOffice", null, { seats: seatsFree({ ldn: 5 }) }],
  [
    "no main office: the oldest",
    {},
    "sup",
    "mainOffice",
    null,
    { offices: OFFICES.map((o) => ({ ...o, main: false })) },
  ],
  [
    "two main offices: the oldest main",
    {},
    "ny",
    "mainOffice",
    null,
    {
      offices: OFFICES.map((o) => ({ ...o, main: o.id === "ny" || o.id === "ldn" || o.id === "ber" })),
    },
  ],
];

describe("matchOffice: placeholders, seats and the main office", () => {
  test.each(runsOf(rows))("$title", ({ input, expected }) => {
    expect(matchOffice(input)).toEqual(expected);
  });
});
