import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from "node:crypto";
import { randomBytesPooled } from "./random.ts";

/** A new SCIM bearer token: 256 random bits. Shown once; only its hash is stored. */
export const generateToken = (prefix: string): string => `${prefix}_${randomBytes(32).toString("base64url")}`;

/** SHA-256 is enough for 256-bit random tokens (no dictionary to attack); a slow hash is for passwords. */
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

/** Constant-time comparison of two secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** The key that seals passwords between the door and the worker's slow hash. */
export function passwordSealKey(configured: string | undefined, adminApiKey: string): Buffer {
  if (configured) {
    const key = Buffer.from(configured, "base64");
    if (key.length !== 32) throw new Error("PASSWORD_ENCRYPTION_KEY must be 32 bytes, base64");
    return key;
  }
  return Buffer.from(hkdfSync("sha256", adminApiKey, "scimline", "password-seal", 32));
}

/** AES-256-GCM: the door seals a password in microseconds instead of hashing it on the hot path. */
export function sealPassword(key: Buffer, password: string): string {
  const iv = randomBytesPooled(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(password, "utf8"), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
}

export function unsealPassword(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed.replace(/^v1\./, ""), "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

const scryptAsync = (password: string, salt: Buffer) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );

/** The stored form of a password: scrypt, self-describing so parameters can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split("$");
  if (
    kind !== "scrypt" ||
    !salt ||
    !key ||
    Number(n) !== SCRYPT.N ||
    Number(r) !== SCRYPT.r ||
    Number(p) !== SCRYPT.p
  ) {
    return false;
  }
  const actual = await scryptAsync(password, Buffer.from(salt, "base64url"));
  const expected = Buffer.from(key, "base64url");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
