import { describe, expect, test } from "vitest";
import { byAge, foldOfficeName, freeSeats, matchOffice } from "./office-match.ts";
import { type OfficeMatchRow, office, runsOf, SUPPORT, seatsFree, VOICE } from "./office-match-fixtures.ts";
import { normalizeForDistance } from "./office-similarity.ts";
import type { SeatCount } from "./types.ts";

// docs/RULES.md "Office match" rules 1-4; rule 5 and the main office are in office-match-fallback.test.ts.
const rows: OfficeMatchRow[] = [
  // docs/RULES.md rule 1
  ["officeName equal", { officeName: "London" }, "ldn", "officeName", "London"],
  ["officeName trimmed", { officeName: "  London \t" }, "ldn", "officeName", "London"],
  ["officeName case-insensitive", { officeName: "LONDON" }, "ldn", "officeName", "LONDON"],
  ["officeName inner spaces collapsed", { officeName: "New   York" }, "ny", "officeName", "New   York"],
  [
    "officeName wins over physicalDeliveryOfficeName",
    { officeName: "London", physicalDeliveryOfficeName: "Berlin" },
    "ldn",
    "officeName",
    "London",
  ],
  [
    "officeName wins over department and country",
    { officeName: "Munich", department: "London", country: "US" },
    "mun",
    "officeName",
    "Munich",
  ],
  [
    "officeName ignores seats",
    { officeName: "London" },
    "ldn",
    "officeName",
    "London",
    { seats: seatsFree({ ber: 3, ldn: 0 }) },
  ],
  // docs/RULES.md rule 2
  [
    "physicalDeliveryOfficeName when officeName matches nothing",
    { officeName: "Nowhere", physicalDeliveryOfficeName: "Berlin" },
    "ber",
    "physicalDeliveryOfficeName",
    "Berlin",
  ],
  [
    "blank officeName counts as absent",
    { officeName: "   ", physicalDeliveryOfficeName: "berlin" },
    "ber",
    "physicalDeliveryOfficeName",
    "berlin",
  ],
  [
    "physicalDeliveryOfficeName wins over department",
    { physicalDeliveryOfficeName: "Munich", department: "Berlin" },
    "mun",
    "physicalDeliveryOfficeName",
    "Munich",
  ],
  // docs/RULES.md rule 3
  ["department equal", { department: "San Francisco" }, "sf", "department", "San Francisco"],
  ["department trimmed", { department: "  San Francisco  " }, "sf", "department", "San Francisco"],
  ["department case-insensitive", { department: "san francisco" }, "sf", "department", "san francisco"],
  [
    "department after two misses",
    { officeName: "Nowhere", physicalDeliveryOfficeName: "Nope", department: "new york" },
    "ny",
    "department",
    "new york",
  ],
  ["department wins over country", { department: "London", country: "DE" }, "ldn", "department", "London"],
  // docs/RULES.md rule 4
  ["country alpha-2, one office", { country: "GB" }, "ldn", "country", "GB"],
  ["country lower-case", { country: "gb" }, "ldn", "country", "gb"],
  ["country English name", { country: "United Kingdom" }, "ldn", "country", "United Kingdom"],
  ["country alpha-3", { country: "GBR" }, "ldn", "country", "GBR"],
  ["country trimmed value", { country: "  Germany " }, "ber", "country", "Germany"],
  ["country several: oldest, id breaks a createdAt tie", { country: "DE" }, "ber", "country", "DE"],
  [
    "country several: a free seat wins over age",
    { country: "DE" },
    "mun",
    "country",
    "DE",
    { seats: seatsFree({ mun: 1 }) },
  ],
  [
    "country several: oldest of those with a free seat",
    { country: "US" },
    "ny",
    "country",
    "US",
    { seats: seatsFree({ sf: 2, ny: 1 }) },
  ],
  ["country several, no free seat: oldest (not main)", { country: "United States" }, "sup", "country", "United States"],
  [
    "country: full seats are not free",
    { country: "US" },
    "sup",
    "country",
    "US",
    { seats: seatsFree({ sf: 0, ny: 0 }) },
  ],
  [
    "country: over-used seats are not free",
    { country: "US" },
    "sup",
    "country",
    "US",
    { seats: [{ officeId: "sf", licenseTypeId: VOICE, purchased: 1, used: 3 }] },
  ],
  [
    "country: a free seat of another license type does not count",
    { country: "US" },
    "sup",
    "country",
    "US",
    { seats: seatsFree({ sf: 4 }, SUPPORT) },
  ],
  ["country after name misses", { officeName: "Nowhere", country: "DE" }, "ber", "country", "DE"],
  ["country alias", { country: "USA" }, "sup", "country", "USA"],
  [
    "country several: the newest when only it has a free seat",
    { country: "US" },
    "sf",
    "country",
    "US",
    { seats: seatsFree({ sf: 1, ldn: 3 }) },
  ],
  [
    "country several, all with a free seat: the oldest",
    { country: "US" },
    "sup",
    "country",
    "US",
    { seats: seatsFree({ ny: 1, sf: 1, sup: 1 }) },
  ],
  ["country wins over a closer-looking name", { department: "Londn", country: "DE" }, "ber", "country", "DE"],
];

describe("matchOffice", () => {
  test.each(runsOf(rows))("$title", ({ input, expected }) => {
    expect(matchOffice(input)).toEqual(expected);
  });

  test.each([
    { name: "no hints", hints: {} },
    { name: "officeName", hints: { officeName: "London" } },
    { name: "country", hints: { country: "US" } },
  ])("no offices → no_office ($name)", ({ hints }) => {
    expect(matchOffice({ hints, licenseTypeId: VOICE, offices: [], seats: [], autoPurchase: true })).toEqual({
      type: "fail",
      code: "no_office",
    });
  });

  test.each([
    { hint: "LAB", expected: "upper" }, // the exact name wins even though "Lab" is older
    { hint: "Lab", expected: "title" },
    { hint: "lab", expected: "title" }, // folded: the oldest of the two
  ])("exact name beats a case-folded one: $hint", ({ hint, expected }) => {
    const offices = [
      office("upper", "LAB", "US", "2022-01-01T00:00:00Z"),
      office("title", "Lab", "US", "2020-01-01T00:00:00Z"),
    ];
    const match = matchOffice({
      hints: { officeName: hint },
      licenseTypeId: VOICE,
      offices,
      seats: [],
      autoPurchase: true,
    });
    expect(match).toEqual({ type: "matched", officeId: expected, matchedBy: "officeName", value: hint });
  });
});

describe("freeSeats", () => {
  const seats: SeatCount[] = [
    { officeId: "a", licenseTypeId: VOICE, purchased: 3, used: 1 },
    { officeId: "a", licenseTypeId: SUPPORT, purchased: 2, used: 2 },
    { officeId: "b", licenseTypeId: VOICE, purchased: 1, used: 4 },
  ];
  test.each([
    ["a", VOICE, 2],
    ["a", SUPPORT, 0],
    ["b", VOICE, 0],
    ["b", SUPPORT, 0],
    ["c", VOICE, 0],
  ])("%s/%s → %i", (officeId, licenseTypeId, expected) => {
    expect(freeSeats(seats, officeId, licenseTypeId)).toBe(expected);
  });
});

describe("byAge", () => {
  test.each([
    [office("a", "A", "US", "2020-01-01T00:00:00Z"), office("b", "B", "US", "2021-01-01T00:00:00Z"), -1],
    [office("b", "B", "US", "2022-01-01T00:00:00Z"), office("a", "A", "US", "2021-01-01T00:00:00Z"), 1],
    [office("a", "A", "US", "2020-01-01T00:00:00Z"), office("b", "B", "US", "2020-01-01T00:00:00Z"), -1],
    [office("b", "B", "US", "2020-01-01T00:00:00Z"), office("a", "A", "US", "2020-01-01T00:00:00Z"), 1],
    [office("a", "A", "US", "2020-01-01T00:00:00Z"), office("a", "A", "US", "2020-01-01T00:00:00Z"), 0],
  ])("%#", (a, b, sign) => {
    expect(Math.sign(byAge(a, b))).toBe(sign);
  });
});

describe("name normalisation", () => {
  test.each([
    ["  New   York ", "new york"],
    ["LONDON", "london"],
    ["São Paulo", "são paulo"],
  ])("foldOfficeName(%j) → %j", (input, expected) => {
    expect(foldOfficeName(input)).toBe(expected);
  });

  test.each([
    ["New-York!", "new york"],
    ["  S.F.  Office ", "s f office"],
    ["São Paulo", "sao paulo"],
    ["Office #2", "office 2"],
    ["---", ""],
  ])("normalizeForDistance(%j) → %j", (input, expected) => {
    expect(normalizeForDistance(input)).toBe(expected);
  });
});
