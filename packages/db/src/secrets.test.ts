import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  generateToken,
  hashPassword,
  hashToken,
  passwordSealKey,
  safeEqual,
  sealPassword,
  unsealPassword,
  verifyPassword,
} from "./secrets.ts";

describe("tokens", () => {
  test("are random, prefixed, 256-bit and hash to 64 hex characters", () => {
    const a = generateToken("scim");
    const b = generateToken("scim");
    expect(a).toMatch(/^scim_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).toBe(hashToken(a));
    expect(hashToken(a)).not.toBe(hashToken(b));
  });

  test.each([
    ["same", "same", true],
    ["same", "Same", false],
    ["short", "shorter", false],
    ["", "", true],
    ["x", "", false],
  ])("safeEqual(%j, %j) = %s", (a, b, expected) => {
    expect(safeEqual(a, b)).toBe(expected);
  });
});

describe("passwords", () => {
  const key = passwordSealKey(undefined, "an-admin-key-of-some-length");

  test("a sealed password opens with the same key only, and never shows the plain text", () => {
    const sealed = sealPassword(key, "Tr0ub4dor&3");
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("Tr0ub4dor");
    expect(unsealPassword(key, sealed)).toBe("Tr0ub4dor&3");
    expect(sealPassword(key, "Tr0ub4dor&3")).not.toBe(sealed);
    expect(() => unsealPassword(passwordSealKey(undefined, "another-admin-key-000"), sealed)).toThrow();
  });

  test("a configured key must be 32 bytes of base64", () => {
    expect(passwordSealKey(randomBytes(32).toString("base64"), "x".repeat(16))).toHaveLength(32);
    expect(() => passwordSealKey(randomBytes(16).toString("base64"), "x".repeat(16))).toThrow(/32 bytes/);
  });

  test("the slow hash verifies the right password and refuses others", async () => {
    const stored = await hashPassword("correct horse");
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword("correct horse", stored)).toBe(true);
    expect(await verifyPassword("correct hors", stored)).toBe(false);
    expect(await verifyPassword("correct horse", "md5$abc")).toBe(false);
  });
});
