import { describe, expect, test } from "vitest";
import { countryName, isCountryCode, normalizeCountry } from "./country.ts";

describe("normalizeCountry", () => {
  test.each([
    // alpha-2, any case, trimmed
    ["US", "US"],
    ["us", "US"],
    ["Us", "US"],
    ["  de  ", "DE"],
    ["gb", "GB"],
    ["fr\t", "FR"],
    ["XK", "XK"],
    // alpha-3
    ["USA", "US"],
    ["usa", "US"],
    ["DEU", "DE"],
    ["gbr", "GB"],
    ["FRA", "FR"],
    ["JPN", "JP"],
    ["BRA", "BR"],
    // English names and the library's aliases
    ["United States", "US"],
    ["United States of America", "US"],
    ["united states of america", "US"],
    ["U.S.A.", "US"],
    ["U.S.", "US"],
    ["United Kingdom", "GB"],
    ["UK", "GB"],
    ["uk", "GB"],
    ["Great Britain", "GB"],
    ["Germany", "DE"],
    ["GERMANY", "DE"],
    ["France", "FR"],
    ["The Netherlands", "NL"],
    ["Netherlands", "NL"],
    ["Czechia", "CZ"],
    ["Czech Republic", "CZ"],
    ["Russia", "RU"],
    ["Russian Federation", "RU"],
    ["Korea, Republic of", "KR"],
    ["South Korea", "KR"],
    ["North Korea", "KP"],
    ["Turkey", "TR"],
    ["Türkiye", "TR"],
    ["Turkiye", "TR"],
    ["UAE", "AE"],
    ["United Arab Emirates", "AE"],
    ["Côte d'Ivoire", "CI"],
    ["Côte d’Ivoire", "CI"],
    ["cote d ivoire", "CI"],
    ["Ivory Coast", "CI"],
    ["Åland Islands", "AX"],
    ["Curacao", "CW"],
    ["Bosnia & Herzegovina", "BA"],
    ["Antigua and Barbuda", "AG"],
    ["Vietnam", "VN"],
    ["  New   Zealand ", "NZ"],
    // aliases added on top of the library
    ["England", "GB"],
    ["Scotland", "GB"],
    ["Northern Ireland", "GB"],
    ["Holland", "NL"],
    ["Republic of Ireland", "IE"],
    ["Ireland", "IE"],
    ["Laos", "LA"],
    ["Syria", "SY"],
    ["Moldova", "MD"],
    ["Brunei", "BN"],
    ["Cabo Verde", "CV"],
    ["Burma", "MM"],
    ["Macau", "MO"],
    ["Viet Nam", "VN"],
    ["DR Congo", "CD"],
    ["Democratic Republic of the Congo", "CD"],
    ["Republic of the Congo", "CG"],
  ])("%j → %s", (input, expected) => {
    expect(normalizeCountry(input)).toBe(expected);
  });

  test.each([
    [undefined],
    [null],
    [""],
    ["   "],
    ["XX"],
    ["ZZZ"],
    ["Atlantis"],
    ["Narnia"],
    ["U"],
    ["Deutschland"], // English names only
    ["Congo"], // CG or CD: ambiguous, left to the later office rules
    ["Korea"], // North or South: ambiguous
    ["840"], // numeric codes are not accepted
    ["United"],
  ])("%j → null", (input) => {
    expect(normalizeCountry(input)).toBeNull();
  });
});

describe("isCountryCode", () => {
  test.each([
    ["US", true],
    ["GB", true],
    ["DE", true],
    ["XK", true],
    ["us", false], // stored codes are upper-case; normalize first
    ["UK", false], // an alias, not an ISO code
    ["USA", false],
    ["XX", false],
    ["", false],
    [" US", false],
    [42, false],
    [null, false],
  ])("%j → %s", (input, expected) => {
    expect(isCountryCode(input)).toBe(expected);
  });
});

describe("countryName", () => {
  test.each([
    ["US", "United States of America"],
    ["gb", "United Kingdom"],
    ["DE", "Germany"],
    ["XX", null],
  ])("%s → %j", (code, expected) => {
    expect(countryName(code)).toBe(expected);
  });
});
