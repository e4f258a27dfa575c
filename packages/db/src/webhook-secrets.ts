import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

/**
 * A webhook's signing secret, Standard Webhooks style: `whsec_` and 32 random bytes in base64.
 * Shown once (at creation or rotation); stored only sealed.
 */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString("base64")}`;

/**
 * The keys that seal webhook secrets at rest: `current` seals, every key opens. Each has an id,
 * written into the sealed value, so WEBHOOK_SECRET_KEY can be rotated: set a new one, keep the old
 * one in WEBHOOK_SECRET_KEYS_PREVIOUS; the worker re-seals each secret under the new key when it
 * next delivers, after which the old key may go.
 */
export type WebhookKeys = { readonly id: string; readonly key: Buffer; readonly all: ReadonlyMap<string, Buffer> };

/** A key's id: derived from the key (no secret in it), so configuration never has to name one. */
export const webhookKeyId = (key: Buffer): string =>
  createHash("sha256").update("scimline-webhook-key-id").update(key).digest("base64url").slice(0, 8);

function decodeKey(value: string, name: string): Buffer {
  const key = Buffer.from(value.trim(), "base64");
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes, base64`);
  return key;
}

/**
 * The keyring from WEBHOOK_SECRET_KEY (current) and WEBHOOK_SECRET_KEYS_PREVIOUS (comma-separated).
 * Without a configured key (development) it is derived from the admin key; the derived key always
 * opens too, so secrets sealed before a key was configured keep working.
 */
export function webhookSealKeys(configured: string | undefined, adminApiKey: string, previous = ""): WebhookKeys {
  const derived = Buffer.from(hkdfSync("sha256", adminApiKey, "scimline", "webhook-secret-seal", 32));
  const current = configured ? decodeKey(configured, "WEBHOOK_SECRET_KEY") : derived;
  const others = previous
    .split(",")
    .filter((v) => v.trim() !== "")
    .map((v) => decodeKey(v, "WEBHOOK_SECRET_KEYS_PREVIOUS"));
  const all = new Map<string, Buffer>();
  for (const key of [current, ...others, derived]) all.set(webhookKeyId(key), key);
  return { id: webhookKeyId(current), key: current, all };
}

/** AES-256-GCM with a fresh 96-bit nonce: `w1.<key id>.<nonce | tag | ciphertext, base64url>`. */
export function sealWebhookSecret(keys: WebhookKeys, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keys.key, iv);
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return `w1.${keys.id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
}

/** The key id a sealed secret names (to re-seal those sealed under an older key). */
export const sealedKeyId = (sealed: string): string | null => /^w1\.([A-Za-z0-9_-]{8})\./.exec(sealed)?.[1] ?? null;

/** Opens a sealed secret; throws when its key is not configured any more or the value was altered. */
export function openWebhookSecret(keys: WebhookKeys, sealed: string): string {
  const match = /^w1\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]+)$/.exec(sealed);
  const key = match ? keys.all.get(match[1] ?? "") : undefined;
  if (!match || !key) throw new Error("the webhook secret was sealed with a key that is not configured");
  const raw = Buffer.from(match[2] ?? "", "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
