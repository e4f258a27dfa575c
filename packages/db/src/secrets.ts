import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hash,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from "node:crypto";
import { randomBytesPooled } from "./random.ts";

/** A new SCIM bearer token: 256 random bits. Shown once; only its hash is stored. */
export const generateToken = (prefix: string): string => `${prefix}_${randomBytes(32).toString("base64url")}`;

/** SHA-256 is enough for 256-bit random tokens (no dictionary to attack); a slow hash is for passwords. */
/** One-shot `hash` (Node ≥ 20.12): ~0.3 µs where a Hash object costs ~1.2; every SCIM request hashes its token. */
export const hashToken = (token: string): string => hash("sha256", token, "hex");

/** Constant-time comparison of two secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** The admin key `.env.example` ships with: fine on a laptop, refused in production. */
export const EXAMPLE_ADMIN_API_KEY = "dev-admin-key-change-me-0000";

/**
 * What production (NODE_ENV=production) refuses to start with, as [setting, problem] pairs:
 * the example admin key or one under 32 characters, and no PASSWORD_ENCRYPTION_KEY or
 * WEBHOOK_SECRET_KEY (a key derived from the admin key would tie the sealed passwords and webhook
 * secrets to it and go with every admin key change).
 */
export function productionSecretProblems(env: {
  NODE_ENV: string;
  ADMIN_API_KEY: string;
  PASSWORD_ENCRYPTION_KEY?: string | undefined;
  WEBHOOK_SECRET_KEY?: string | undefined;
}): Array<[string, string]> {
  if (env.NODE_ENV !== "production") return [];
  const problems: Array<[string, string]> = [];
  if (env.ADMIN_API_KEY === EXAMPLE_ADMIN_API_KEY)
    problems.push(["ADMIN_API_KEY", "is the example key from .env.example; generate one (openssl rand -base64 32)"]);
  else if (env.ADMIN_API_KEY.length < 32)
    problems.push(["ADMIN_API_KEY", "must be at least 32 characters in production"]);
  if (!env.PASSWORD_ENCRYPTION_KEY)
    problems.push(["PASSWORD_ENCRYPTION_KEY", "is required in production (32 bytes, base64: openssl rand -base64 32)"]);
  if (!env.WEBHOOK_SECRET_KEY)
    problems.push(["WEBHOOK_SECRET_KEY", "is required in production (32 bytes, base64: openssl rand -base64 32)"]);
  return problems;
}

/**
 * The keys that seal passwords between the door and the worker's slow hash: `current` seals,
 * every key (current and previous) opens. Each has an id, written into the sealed value, so a
 * key can be rotated: set a new current key and keep the old one among the previous ones until
 * the values it sealed are hashed.
 */
export type PasswordKeys = { readonly id: string; readonly key: Buffer; readonly all: ReadonlyMap<string, Buffer> };

/** A key's id: derived from the key (no secret in it), so configuration never has to name one. */
export const passwordKeyId = (key: Buffer): string =>
  createHash("sha256").update("scimline-password-key-id").update(key).digest("base64url").slice(0, 8);

function decodeKey(value: string, name: string): Buffer {
  const key = Buffer.from(value.trim(), "base64");
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes, base64`);
  return key;
}

/**
 * The keyring from PASSWORD_ENCRYPTION_KEY (current) and PASSWORD_ENCRYPTION_KEYS_PREVIOUS
 * (comma-separated, still opening). Without a configured key (development only) the key is derived
 * from the admin key. The derived key always opens too, so values sealed before a key was set still open.
 */
export function passwordSealKey(configured: string | undefined, adminApiKey: string, previous = ""): PasswordKeys {
  const derived = Buffer.from(hkdfSync("sha256", adminApiKey, "scimline", "password-seal", 32));
  const current = configured ? decodeKey(configured, "PASSWORD_ENCRYPTION_KEY") : derived;
  const others = previous
    .split(",")
    .filter((v) => v.trim() !== "")
    .map((v) => decodeKey(v, "PASSWORD_ENCRYPTION_KEYS_PREVIOUS"));
  const all = new Map<string, Buffer>();
  for (const key of [current, ...others, derived]) if (!all.has(passwordKeyId(key))) all.set(passwordKeyId(key), key);
  return { id: passwordKeyId(current), key: current, all };
}

/** AES-256-GCM: the door seals a password in microseconds instead of hashing it on the hot path. */
export function sealPassword(keys: PasswordKeys, password: string): string {
  const iv = randomBytesPooled(12);
  const cipher = createCipheriv("aes-256-gcm", keys.key, iv);
  const body = Buffer.concat([cipher.update(password, "utf8"), cipher.final()]);
  return `v2.${keys.id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
}

function open(key: Buffer, raw: Buffer): string {
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

/** Opens `v2.<key id>.<sealed>` with that key, or a `v1.` value (no key id) with whichever key seals it; throws otherwise. */
export function unsealPassword(keys: PasswordKeys, sealed: string): string {
  const v2 = /^v2\.([A-Za-z0-9_-]{8})\.(.+)$/.exec(sealed);
  if (v2) {
    const key = keys.all.get(v2[1] ?? "");
    if (!key) throw new Error("the password was sealed with a key that is no longer configured");
    return open(key, Buffer.from(v2[2] ?? "", "base64url"));
  }
  const raw = Buffer.from(sealed.replace(/^v1\./, ""), "base64url");
  for (const key of keys.all.values()) {
    try {
      return open(key, raw);
    } catch {
      // GCM's tag did not verify with this key: try the next.
    }
  }
  throw new Error("the password was sealed with a key that is no longer configured");
}

/**
 * scrypt at the cheapest of OWASP's equivalent minimums (Password Storage Cheat Sheet: N=2^17 r=8
 * p=1, or 2^16/2, 2^15/3, 2^14/5, 2^13/10): N·p = 81,920, 2.5 times the 2^15/p=1 used before, which
 * was under the minimum; 16 MiB each. Okta sends a password with every create, so a burst is paid
 * hash by hash, by the worker while nothing waits (README "Security"; `pnpm --filter @scimline/api bench:hash`).
 */
export const SCRYPT = { N: 2 ** 14, r: 8, p: 5 } as const;
type ScryptParams = { N: number; r: number; p: number };

/** Parameters a stored hash may name: never more than 128 MiB or an unbounded CPU cost. */
const acceptable = ({ N, r, p }: ScryptParams) =>
  Number.isInteger(Math.log2(N)) &&
  N >= 2 ** 10 &&
  N <= 2 ** 17 &&
  r >= 1 &&
  r <= 16 &&
  p >= 1 &&
  p <= 16 &&
  128 * N * r <= 128 * 1024 * 1024;

const scryptAsync = (password: string, salt: Buffer, params: ScryptParams) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, 32, { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

/** The stored form of a password: scrypt, self-describing so parameters can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

function parseStored(stored: string): (ScryptParams & { salt: string; key: string }) | null {
  const [kind, n, r, p, salt, key] = stored.split("$");
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (kind !== "scrypt" || !salt || !key || !acceptable(params)) return null;
  return { ...params, salt, key };
}

/** Verifies with the parameters the hash was made with (hashes from before a change keep working). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  const actual = await scryptAsync(password, Buffer.from(parsed.salt, "base64url"), parsed);
  const expected = Buffer.from(parsed.key, "base64url");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash made with other parameters than today's: worth replacing once the password is known. */
export function needsRehash(stored: string): boolean {
  const parsed = parseStored(stored);
  return !parsed || parsed.N !== SCRYPT.N || parsed.r !== SCRYPT.r || parsed.p !== SCRYPT.p;
}
