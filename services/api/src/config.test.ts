import { randomBytes } from "node:crypto";
import { EXAMPLE_ADMIN_API_KEY } from "@scimline/db";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

const KEY = randomBytes(32).toString("base64");
const STRONG = randomBytes(32).toString("base64url");
const KEYS = { PASSWORD_ENCRYPTION_KEY: KEY, WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64") };

describe("loadConfig in production", () => {
  it.each([
    [{ ...KEYS, ADMIN_API_KEY: EXAMPLE_ADMIN_API_KEY }, /ADMIN_API_KEY: is the example key/],
    [{ ...KEYS, ADMIN_API_KEY: "only-twenty-characters" }, /ADMIN_API_KEY: must be at least 32/],
    [{ ADMIN_API_KEY: STRONG, WEBHOOK_SECRET_KEY: KEY }, /PASSWORD_ENCRYPTION_KEY: is required in production/],
    [{ ADMIN_API_KEY: STRONG, PASSWORD_ENCRYPTION_KEY: KEY }, /WEBHOOK_SECRET_KEY: is required in production/],
  ])("refuses to start with %j", (env, message) => {
    expect(() => loadConfig({ NODE_ENV: "production", ...env })).toThrow(message);
  });

  it("starts with a strong admin key, a password key and a webhook key; elsewhere the example key is fine", () => {
    expect(loadConfig({ NODE_ENV: "production", ADMIN_API_KEY: STRONG, ...KEYS }).NODE_ENV).toBe("production");
    expect(loadConfig({ ADMIN_API_KEY: EXAMPLE_ADMIN_API_KEY }).NODE_ENV).toBe("development");
  });

  it("never shows a key's value in the error", () => {
    let message = "";
    try {
      loadConfig({ NODE_ENV: "production", ADMIN_API_KEY: "short-secret-value-xyz", ...KEYS });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("ADMIN_API_KEY");
    expect(message).not.toContain("short-secret-value-xyz");
    expect(message).not.toContain(KEY);
  });
});
