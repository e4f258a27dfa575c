import { describe, expect, test } from "vitest";
import { isBigintText, isoInstant, isXid8Text } from "./cursor-values.ts";

describe("isBigintText: a decimal a Postgres bigint takes", () => {
  test.each([
    "0",
    "1",
    "42",
    "0009", // leading zeros: Postgres reads 9
    "9223372036854775807", // 2^63 − 1
    "0223372036854775807", // 19 digits with a leading zero
  ])("%j is accepted", (text) => {
    expect(isBigintText(text)).toBe(true);
  });

  test.each([
    "9223372036854775808", // 2^63
    "9999999999999999999", // 19 digits, over 2^63 − 1
    "09223372036854775807", // 20 digits, even if the value fits
    "18446744073709551615", // 2^64 − 1
    "99999999999999999999",
    "",
    "-1",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x1f",
    "١٢", // Arabic-Indic digits
  ])("%j is refused", (text) => {
    expect(isBigintText(text)).toBe(false);
  });
});

describe("isXid8Text: a decimal a Postgres xid8 takes", () => {
  test.each(["0", "9223372036854775808", "18446744073709551615", "00000000000000000001"])("%j is accepted", (text) => {
    expect(isXid8Text(text)).toBe(true);
  });
  test.each(["18446744073709551616", "99999999999999999999", "018446744073709551615", "", "-1", "1a"])(
    "%j is refused",
    (text) => {
      expect(isXid8Text(text)).toBe(false);
    },
  );
});

describe("isoInstant: the cursor's instant, as toISOString writes it", () => {
  test.each([
    "2024-02-29T00:00:00.000Z",
    "2026-11-29T10:00:00.123Z",
    "0001-01-01T00:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
  ])("%j is accepted as itself", (text) => {
    expect(isoInstant(text)).toBe(text);
  });

  test.each([
    "2024-02-30", // no such day, and not the encoder's shape
    "2024-02-30T00:00:00.000Z", // no such day
    "2023-02-29T00:00:00.000Z",
    "2024-04-31T00:00:00.000Z",
    "2024-13-01T00:00:00.000Z",
    "2024-01-01T24:00:00.000Z",
    "2024-01-01T23:60:00.000Z",
    "0000-01-01T00:00:00.000Z", // year 0: Postgres refuses it
    "+275760-09-13T00:00:00.000Z",
    "+275760-09-13T00:00:00Z",
    "-000001-01-01T00:00:00.000Z",
    "2024-01-01T00:00:00Z", // no milliseconds: not the encoder's shape
    "2024-01-01T00:00:00.000+01:00",
    "2024-01-01 00:00:00.000Z",
    "1",
    "0",
    "-1",
    "",
  ])("%j is refused", (text) => {
    expect(isoInstant(text)).toBeNull();
  });
});
