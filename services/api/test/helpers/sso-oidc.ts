import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

export const GOOGLE_CLIENT_ID = "test-google-client.apps.googleusercontent.com";
export const MICROSOFT_CLIENT_ID = "00000000-aaaa-bbbb-cccc-000000000001";
export const GOOGLE_ISSUER = "https://accounts.google.com";
export const MICROSOFT_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const GOOGLE_DOMAIN = "acme.example";
/** The company settings that let these providers' default tokens in. */
export const BOUND = { microsoftTenantIds: [MICROSOFT_TENANT], googleHostedDomains: [GOOGLE_DOMAIN] };

/** One stable account per email, as the providers have: Google's `sub`, Microsoft's `oid` (a GUID). */
export function accountOf(email: unknown): { sub: string; oid: string } {
  const h = createHash("sha256").update(String(email).toLowerCase()).digest("hex");
  return {
    sub: BigInt(`0x${h.slice(0, 15)}`).toString(),
    oid: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`,
  };
}

type Key = { kid: string; privateKey: CryptoKey };

/**
 * Google and Microsoft stand-ins: key sets served on an ephemeral local port (jose's
 * exportJWK), and ID tokens signed with them. `otherKey` signs but is never published.
 */
export class TestOidcProviders {
  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    readonly baseUrl: string,
    readonly google: Key,
    readonly microsoft: Key,
    readonly otherKey: Key,
  ) {}

  static async start(): Promise<TestOidcProviders> {
    const key = async (kid: string): Promise<Key & { jwk: object }> => {
      const { publicKey, privateKey } = await generateKeyPair("RS256");
      return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
    };
    const [google, microsoft, other] = await Promise.all([key("google-1"), key("microsoft-1"), key("unpublished")]);
    const sets: Record<string, object> = {
      "/google/jwks": { keys: [google.jwk] },
      "/microsoft/jwks": { keys: [microsoft.jwk] },
    };
    const server = createServer((req, res) => {
      const set = sets[req.url ?? ""];
      res.writeHead(set ? 200 : 404, { "Content-Type": "application/json" });
      res.end(JSON.stringify(set ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return new TestOidcProviders(server, `http://127.0.0.1:${port}`, google, microsoft, other);
  }

  /** The API configuration that points Scimline at these providers. */
  config(): Record<string, string> {
    return {
      GOOGLE_OIDC_CLIENT_ID: GOOGLE_CLIENT_ID,
      GOOGLE_OIDC_JWKS_URL: `${this.baseUrl}/google/jwks`,
      MICROSOFT_OIDC_CLIENT_ID: MICROSOFT_CLIENT_ID,
      MICROSOFT_OIDC_JWKS_URL: `${this.baseUrl}/microsoft/jwks`,
    };
  }

  /**
   * An ID token as the provider issues it at `now` for the account of `claims.email` (its own
   * sub/oid, in the bound tenant or domain); `claims` and `options` override any part.
   */
  async idToken(
    provider: "google" | "microsoft",
    now: Date,
    claims: JWTPayload = {},
    options: { key?: Key } = {},
  ): Promise<string> {
    const key = options.key ?? this[provider];
    const iat = Math.floor(now.getTime() / 1000);
    const account = accountOf(claims.email);
    const tid = typeof claims.tid === "string" ? claims.tid : MICROSOFT_TENANT;
    const base: JWTPayload =
      provider === "google"
        ? { iss: GOOGLE_ISSUER, aud: GOOGLE_CLIENT_ID, sub: account.sub, hd: GOOGLE_DOMAIN, email_verified: true }
        : {
            iss: `https://login.microsoftonline.com/${tid}/v2.0`,
            aud: MICROSOFT_CLIENT_ID,
            sub: `pairwise-${account.sub}`,
            oid: account.oid,
            tid,
          };
    return new SignJWT({ ...base, iat, exp: iat + 3600, ...claims })
      .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
      .sign(key.privateKey);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
