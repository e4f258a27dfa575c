import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  generateWebhookSecret,
  openWebhookSecret,
  sealedKeyId,
  sealWebhookSecret,
  webhookKeyId,
  webhookSealKeys,
} from "./webhook-secrets.ts";

const ADMIN = "test-admin-key-0123456789";
const keyA = randomBytes(32).toString("base64");
const keyB = randomBytes(32).toString("base64");

describe("webhook secrets", () => {
  test("are whsec_ and 32 random bytes in base64, different each time", () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  test("seal and open; the sealed value names its key and never contains the secret", () => {
    const keys = webhookSealKeys(keyA, ADMIN);
    const secret = generateWebhookSecret();
    const sealed = sealWebhookSecret(keys, secret);
    expect(sealed).toMatch(/^w1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(sealedKeyId(sealed)).toBe(keys.id);
    expect(sealWebhookSecret(keys, secret)).not.toBe(sealed);
    expect(openWebhookSecret(keys, sealed)).toBe(secret);
  });

  test("a rotated key keeps opening what it sealed while it is listed as previous", () => {
    const secret = generateWebhookSecret();
    const sealed = sealWebhookSecret(webhookSealKeys(keyA, ADMIN), secret);
    const rotated = webhookSealKeys(keyB, ADMIN, ` ${keyA} `);
    expect(rotated.id).not.toBe(sealedKeyId(sealed));
    expect(openWebhookSecret(rotated, sealed)).toBe(secret);
    expect(() => openWebhookSecret(webhookSealKeys(keyB, ADMIN), sealed)).toThrow(/not configured/);
  });

  test("without a configured key, one derived from the admin key seals, and keeps opening after a key is set", () => {
    const dev = webhookSealKeys(undefined, ADMIN);
    expect(dev.id).toBe(webhookSealKeys(undefined, ADMIN).id);
    expect(dev.id).not.toBe(webhookSealKeys(undefined, `${ADMIN}x`).id);
    const sealed = sealWebhookSecret(dev, "whsec_x");
    expect(openWebhookSecret(webhookSealKeys(keyA, ADMIN), sealed)).toBe("whsec_x");
  });

  test.each([
    ["not sealed", "whsec_abc"],
    ["unknown key id", "w1.AAAAAAAA.AAAA"],
    ["empty", ""],
  ])("%s is refused", (_, sealed) => {
    expect(() => openWebhookSecret(webhookSealKeys(keyA, ADMIN), sealed)).toThrow();
  });

  test("an altered value is refused (GCM tag)", () => {
    const keys = webhookSealKeys(keyA, ADMIN);
    const sealed = sealWebhookSecret(keys, generateWebhookSecret());
    const last = sealed.at(-2) === "A" ? "B" : "A";
    expect(() => openWebhookSecret(keys, `${sealed.slice(0, -2)}${last}${sealed.at(-1)}`)).toThrow();
  });

  test.each([
    ["short", Buffer.alloc(16).toString("base64")],
    ["long", Buffer.alloc(33).toString("base64")],
  ])("a %s key is refused naming the setting", (_, key) => {
    expect(() => webhookSealKeys(key, ADMIN)).toThrow(/WEBHOOK_SECRET_KEY must be 32 bytes/);
    expect(() => webhookSealKeys(keyA, ADMIN, key)).toThrow(/WEBHOOK_SECRET_KEYS_PREVIOUS must be 32 bytes/);
  });

  test("key ids are stable and reveal nothing of the key", () => {
    const key = Buffer.from(keyA, "base64");
    expect(webhookKeyId(key)).toBe(webhookKeyId(Buffer.from(keyA, "base64")));
    expect(webhookKeyId(key)).not.toContain(keyA.slice(0, 8));
  });
});
