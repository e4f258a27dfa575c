import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** How long a device stays recognised after a successful password sign-in. */
export const DEVICE_TTL_SECONDS = 90 * 86_400;

/**
 * A device cookie (the "device cookie" defence against lock-out attacks): issued on a successful
 * password sign-in, bound to the company and user name, signed with a server key. An attempt that
 * presents a valid one is counted per device, so strangers' wrong guesses never lock its owner out.
 */
export class DeviceCookies {
  constructor(private readonly key: Buffer) {}

  private mac(companyId: string, userName: string, issued: string, nonce: string): Buffer {
    return createHmac("sha256", this.key)
      .update(`${companyId}\n${userName.toLowerCase()}\n${issued}\n${nonce}`)
      .digest();
  }

  issue(companyId: string, userName: string, now: Date): string {
    const issued = Math.floor(now.getTime() / 1000).toString(36);
    const nonce = randomBytes(16).toString("base64url");
    return `${issued}.${nonce}.${this.mac(companyId, userName, issued, nonce).toString("base64url")}`;
  }

  /** The device's id when the cookie is valid for this user and not expired; else null. */
  verify(value: string | undefined, companyId: string, userName: string, now: Date): string | null {
    const [issued, nonce, mac, ...rest] = (value ?? "").split(".");
    if (!issued || !nonce || !mac || rest.length > 0) return null;
    const age = now.getTime() / 1000 - Number.parseInt(issued, 36);
    if (!(age >= -60 && age < DEVICE_TTL_SECONDS)) return null;
    const given = Buffer.from(mac, "base64url");
    const expected = this.mac(companyId, userName, issued, nonce);
    return given.length === expected.length && timingSafeEqual(given, expected) ? nonce : null;
  }
}
