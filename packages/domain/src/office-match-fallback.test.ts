import { describe, expect, test } from "vitest";
import { matchOffice } from "./office-match.ts";
import { OFFICES, type OfficeMatchRow, office, seatsFree, VOICE } from "./office-match-fixtures.ts";

// SPEC §5 "Office match" rule 5: the closest name, else the main office.
const rows: OfficeMatchRow[] = [
  // SPEC §5 rule 5, closest name
  ["closest: typo", { officeName: "Londn" }, "ldn", "closestName", "Londn"],
  ["closest: punctuation ignored", { officeName: "new-york!" }, "ny", "closestName", "new-york!"],
  ["closest: from department", { department: "San Fransisco" }, "sf", "closestName", "San Fransisco"],
  ["closest: best of several values", { officeName: "Qqqqqqqqq", department: "Berln" }, "ber", "closestName", "Berln"],
  [
    "closest: prefers offices with a free seat",
    { officeName: "Londn" },
    "ber",
    "closestName",
    "Londn",
    { seats: seatsFree({ ber: 1 }) },
  ],
  [
    "closest among free-seat offices",
    { officeName: "Munch" },
    "mun",
    "closestName",
    "Munch",
    { seats: seatsFree({ ber: 1, mun: 1, ny: 2 }) },
  ],
  [
    "closest: all offices when none has a free seat",
    { officeName: "Munch" },
    "mun",
    "closestName",
    "Munch",
    { seats: seatsFree({ mun: 0 }) },
  ],
  ["closest: unknown country falls through", { department: "Berlinn", country: "FR" }, "ber", "closestName", "Berlinn"],
  [
    "closest: unparseable country falls through",
    { officeName: "Munik", country: "Atlantis" },
    "mun",
    "closestName",
    "Munik",
  ],
  [
    "closest: equal scores go to the oldest",
    { officeName: "Xx" },
    "a",
    "closestName",
    "Xx",
    { offices: [office("b", "Ya", "US", "2022-01-01T00:00:00Z"), office("a", "Za", "US", "2021-01-01T00:00:00Z")] },
  ],
  [
    "closest: equal scores for two values keep the first value",
    { officeName: "Berlim", department: "Berlix" },
    "ber",
    "closestName",
    "Berlim",
    { offices: [office("ber", "Berlin", "DE", "2021-01-01T00:00:00Z")] },
  ],
  [
    "closest: accents ignored",
    { officeName: "Zurich Office" },
    "zh",
    "closestName",
    "Zurich Office",
    {
      offices: [
        office("zh", "Zürich office", "CH", "2021-01-01T00:00:00Z"),
        office("ge", "Geneva", "CH", "2020-01-01T00:00:00Z", true),
      ],
    },
  ],
  [
    "closest: the only office",
    { officeName: "Anything" },
    "solo",
    "closestName",
    "Anything",
    { offices: [office("solo", "Solo", "US", "2021-01-01T00:00:00Z")] },
  ],
  ["closest: punctuation-only value still picks an office", { department: "---" }, "sup", "closestName", "---"],
  // SPEC §5 rule 5, no office-like values
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
    { offices: OFFICES.map((o) => ({ ...o, main: o.id === "ny" || o.id === "ldn" || o.id === "ber" })) },
  ],
];

describe("matchOffice", () => {
  test.each(rows)("%s", (_name, hints, officeId, matchedBy, value, { seats = [], offices = OFFICES } = {}) => {
    const match = matchOffice({ hints, licenseTypeId: VOICE, offices, seats });
    expect(match).toEqual({ type: "matched", officeId, matchedBy, value });
  });

  test.each(rows)("input order does not matter: %s", (_name, hints, officeId, matchedBy, value, setup = {}) => {
    const offices = [...(setup.offices ?? OFFICES)].reverse();
    const match = matchOffice({ hints, licenseTypeId: VOICE, offices, seats: setup.seats ?? [] });
    expect(match).toEqual({ type: "matched", officeId, matchedBy, value });
  });
});
