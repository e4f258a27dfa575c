import { describe, expect, test } from "vitest";
import { matchOffice } from "./office-match.ts";
import { type OfficeMatchRow, office, runsOf } from "./office-match-fixtures.ts";

const US_CITIES = [
  office("dal", "Dallas", "US", "2020-01-01T00:00:00Z", true),
  office("bos", "Boston", "US", "2019-01-01T00:00:00Z"),
  office("oslo", "Oslo", "NO", "2021-01-01T00:00:00Z"),
];

// Rule 5: the closest name at or above the similarity threshold, else the main office.
const rows: OfficeMatchRow[] = [
  // Names close enough
  ["one typo", { officeName: "Londn" }, "ldn", "closestName", "Londn"],
  ["punctuation ignored", { officeName: "new-york!" }, "ny", "closestName", "new-york!"],
  ["from department", { department: "San Fransisco" }, "sf", "closestName", "San Fransisco"],
  ["two typos in a long name", { physicalDeliveryOfficeName: "San Fransico" }, "sf", "closestName", "San Fransico"],
  ["the best of several values", { officeName: "Qqqqqqqqq", department: "Berln" }, "ber", "closestName", "Berln"],
  [
    "the office name inside a longer value",
    { physicalDeliveryOfficeName: "Berlin Office" },
    "ber",
    "closestName",
    "Berlin Office",
  ],
  ["a city with its country", { physicalDeliveryOfficeName: "Berlin, DE" }, "ber", "closestName", "Berlin, DE"],
  [
    "a building and a city",
    { physicalDeliveryOfficeName: "Building 4 - London" },
    "ldn",
    "closestName",
    "Building 4 - London",
  ],
  ["a typo inside a longer value", { department: "Munch HQ" }, "mun", "closestName", "Munch HQ"],
  ["a two-word name inside a longer value", { department: "New York City" }, "ny", "closestName", "New York City"],
  [
    "accents ignored",
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
    "the whole value breaks a tie between contained names",
    { officeName: "New York HQ" },
    "ny",
    "closestName",
    "New York HQ",
    {
      offices: [
        office("york", "York", "GB", "2019-01-01T00:00:00Z", true),
        office("ny", "New York", "US", "2020-01-01T00:00:00Z"),
      ],
    },
  ],
  [
    "equal scores go to the oldest",
    { officeName: "Berlin" },
    "b1",
    "closestName",
    "Berlin",
    {
      offices: [
        office("b2", "Berlin B", "DE", "2022-01-01T00:00:00Z"),
        office("b1", "Berlin A", "DE", "2021-01-01T00:00:00Z"),
        office("m", "Main", "US", "2023-01-01T00:00:00Z", true),
      ],
    },
  ],
  [
    "equal scores for two values keep the first value",
    { officeName: "Berlim", department: "Berlix" },
    "ber",
    "closestName",
    "Berlim",
    {
      offices: [office("ber", "Berlin", "DE", "2021-01-01T00:00:00Z")],
    },
  ],
  [
    "exactly at the threshold (one typo in four letters)",
    { officeName: "Oslp" },
    "oslo",
    "closestName",
    "Oslp",
    { offices: US_CITIES },
  ],
  [
    "an unknown country falls through to the name",
    { department: "Berlinn", country: "FR" },
    "ber",
    "closestName",
    "Berlinn",
  ],
  [
    "an unparseable country falls through to the name",
    { officeName: "Munic", country: "Atlantis" },
    "mun",
    "closestName",
    "Munic",
  ],
  ["a placeholder beside a real name", { officeName: "n/a", department: "Londn" }, "ldn", "closestName", "Londn"],
  // Below the threshold: the main office
  ["an abbreviation is no name", { officeName: "SF" }, "ny", "mainOffice", null],
  ["NYC is no name", { officeName: "NYC" }, "ny", "mainOffice", null],
  ["a department is no office", { department: "Engineering" }, "ny", "mainOffice", null],
  ["another city two letters away", { officeName: "Houston" }, "dal", "mainOffice", null, { offices: US_CITIES }],
  ["a near-miss city", { physicalDeliveryOfficeName: "Dulles" }, "dal", "mainOffice", null, { offices: US_CITIES }],
  ["a swap of two letters in a short name", { officeName: "Olso" }, "dal", "mainOffice", null, { offices: US_CITIES }],
  [
    "a nonsense value with a single office",
    { officeName: "Anything" },
    "solo",
    "mainOffice",
    null,
    {
      offices: [office("solo", "Solo", "US", "2021-01-01T00:00:00Z")],
    },
  ],
];

describe("matchOffice, rule 5 and the main office", () => {
  test.each(runsOf(rows))("$title", ({ input, expected }) => {
    expect(matchOffice(input)).toEqual(expected);
  });
});
