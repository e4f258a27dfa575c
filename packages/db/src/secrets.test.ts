import { createCipheriv, randomBytes, scryptSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  EXAMPLE_ADMIN_API_KEY,
  generateToken,
  hashPassword,
  hashToken,
  needsRehash,
  passwordKeyId,
  passwordSealKey,
  productionSecretProblems,
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
    expect(sealed).toMatch(new RegExp(`^v2\\.${key.id}\\.`));
    expect(sealed).not.toContain("Tr0ub4dor");
    expect(unsealPassword(key, sealed)).toBe("Tr0ub4dor&3");
    expect(sealPassword(key, "Tr0ub4dor&3")).not.toBe(sealed);
    expect(() => unsealPassword(passwordSealKey(undefined, "another-admin-key-000"), sealed)).toThrow();
  });

  test("a configured key must be 32 bytes of base64", () => {
    expect(passwordSealKey(randomBytes(32).toString("base64"), "x".repeat(16)).key).toHaveLength(32);
    expect(() => passwordSealKey(randomBytes(16).toString("base64"), "x".repeat(16))).toThrow(/32 bytes/);
  });

  test("keys rotate: values sealed with a previous key still open; an unknown key id is refused", () => {
    const [oldKey, newKey] = [randomBytes(32).toString("base64"), randomBytes(32).toString("base64")];
    const before = passwordSealKey(oldKey, "admin-key-0123456789");
    const sealedBefore = sealPassword(before, "old secret");
    const after = passwordSealKey(newKey, "admin-key-0123456789", ` ${oldKey} `);
    expect(after.id).not.toBe(before.id);
    expect(unsealPassword(after, sealedBefore)).toBe("old secret");
    const sealedAfter = sealPassword(after, "new secret");
    expect(sealedAfter.split(".")[1]).toBe(after.id);
    expect(unsealPassword(after, sealedAfter)).toBe("new secret");
    // Once the old key is dropped, what it sealed no longer opens (the worker has hashed it by then).
    expect(() => unsealPassword(passwordSealKey(newKey, "admin-key-0123456789"), sealedBefore)).toThrow(
      /no longer configured/,
    );
    expect(passwordKeyId(Buffer.from(newKey, "base64"))).toBe(after.id);
  });

  test("v1 values (sealed before key ids) open with whichever key sealed them", () => {
    const configured = randomBytes(32).toString("base64");
    const keyring = passwordSealKey(configured, "admin-key-0123456789");
    const legacy = (key: Buffer) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update("legacy", "utf8"), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
    };
    expect(unsealPassword(keyring, legacy(keyring.key))).toBe("legacy");
    // Sealed while no key was configured (derived from the admin key).
    expect(unsealPassword(keyring, legacy(passwordSealKey(undefined, "admin-key-0123456789").key))).toBe("legacy");
    expect(() => unsealPassword(keyring, legacy(randomBytes(32)))).toThrow();
  });

  test.each([
    ["development", EXAMPLE_ADMIN_API_KEY, undefined, undefined, []],
    ["test", "short-key-but-not-prod", undefined, undefined, []],
    ["production", EXAMPLE_ADMIN_API_KEY, "k", "w", ["ADMIN_API_KEY"]],
    ["production", "a".repeat(31), "k", "w", ["ADMIN_API_KEY"]],
    ["production", "a".repeat(32), undefined, "w", ["PASSWORD_ENCRYPTION_KEY"]],
    ["production", "a".repeat(32), "k", undefined, ["WEBHOOK_SECRET_KEY"]],
    ["production", "a".repeat(32), undefined, undefined, ["PASSWORD_ENCRYPTION_KEY", "WEBHOOK_SECRET_KEY"]],
    ["production", "a".repeat(32), "k", "w", []],
  ])(
    "productionSecretProblems(%s, …) names %j",
    (NODE_ENV, ADMIN_API_KEY, PASSWORD_ENCRYPTION_KEY, WEBHOOK_SECRET_KEY, keys) => {
      const problems = productionSecretProblems({
        NODE_ENV,
        ADMIN_API_KEY,
        PASSWORD_ENCRYPTION_KEY,
        WEBHOOK_SECRET_KEY,
      });
      expect(problems.map(([key]) => key)).toEqual(keys);
    },
  );

  test("the example key is the one .env.example ships", () => {
    const example = readFileSync(new URL("../../../.env.example", import.meta.url), "utf8");
    expect(example).toContain(`ADMIN_API_KEY=${EXAMPLE_ADMIN_API_KEY}\n`);
  });

  test("the slow hash verifies the right password and refuses others", async () => {
    const stored = await hashPassword("correct horse");
    expect(stored).toMatch(/^scrypt\$16384\$8\$5\$/);
    expect(needsRehash(stored)).toBe(false);
    expect(await verifyPassword("correct horse", stored)).toBe(true);
    expect(await verifyPassword("correct hors", stored)).toBe(false);
    expect(await verifyPassword("correct horse", "md5$abc")).toBe(false);
  });
});

describe("password hashes made with other parameters", () => {
  const legacy = (password: string, N: number, r: number, p: number) => {
    const salt = randomBytes(16);
    const key = scryptSync(password, salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
    return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
  };

  test("still verify (the 2^15/8/1 hashes stored before), and are marked for a rehash", async () => {
    const stored = legacy("old password", 2 ** 15, 8, 1);
    expect(await verifyPassword("old password", stored)).toBe(true);
    expect(await verifyPassword("other", stored)).toBe(false);
    expect(needsRehash(stored)).toBe(true);
  });

  test.each([
    ["a CPU cost over 2^17", `scrypt$${2 ** 18}$8$1$c2FsdA$a2V5`],
    ["a cost that is not a power of two", "scrypt$30000$8$1$c2FsdA$a2V5"],
    ["a huge parallelism", "scrypt$16384$8$1000$c2FsdA$a2V5"],
    ["another algorithm", "md5$abc"],
  ])("refuse %s without computing it", async (_, stored) => {
    expect(await verifyPassword("x", stored)).toBe(false);
    expect(needsRehash(stored)).toBe(true);
  });
});
