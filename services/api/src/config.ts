import { productionSecretProblems } from "@scimline/db";
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const issuers = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim()))
  .pipe(z.array(z.string().min(1)).min(1));

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.url().default("postgres://postgres@127.0.0.1:5432/scimline"),
  REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  /** Bearer key of the admin API and the dashboards. */
  ADMIN_API_KEY: z.string().min(16, "must be at least 16 characters"),
  /** Base URL for meta.location; by default taken from each request. */
  PUBLIC_BASE_URL: z.url().optional(),
  QUEUE_PREFIX: z.string().min(1).default("{scimline}"),
  API_DB_POOL_MAX: z.coerce.number().int().min(1).max(50).default(8),
  /** Postgres cancels an API statement running longer, and ends a session idle inside a transaction this long. */
  API_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  API_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /**
   * A preview's answer whose client reads nothing for this long (or has not read it whole within ten times
   * this) is cut off, and its place among the running previews freed.
   */
  PREVIEW_READ_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** How long a token → directory lookup is cached; a revoked token stops working within this. */
  AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5000),
  /** Failed authentications (unknown SCIM tokens or sessions) per client address per minute before 429. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Key (base64, 32 bytes) that seals a password until the worker hashes it; required in production. */
  PASSWORD_ENCRYPTION_KEY: z.string().optional(),
  /** Keys that sealed passwords before a rotation (comma-separated): they still open, never seal. */
  PASSWORD_ENCRYPTION_KEYS_PREVIOUS: z.string().default(""),
  /** Key (base64, 32 bytes) that seals webhook signing secrets at rest; required in production. */
  WEBHOOK_SECRET_KEY: z.string().optional(),
  /** Webhooks may target private, loopback and link-local addresses (development and tests only). */
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: bool.default(false),
  /** After a secret rotation, deliveries are signed with the old secret too for this long. */
  WEBHOOK_SECRET_GRACE_SECONDS: z.coerce.number().int().min(0).max(2_592_000).default(86_400),
  /** Create the database if missing and apply migrations at start (README "Operations": the demo runs on a fresh machine). */
  MIGRATE_ON_START: bool.default(true),
  /** SCIM requests per second per token (README "Operations": well above Entra's 25/s per tenant). */
  SCIM_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(200),
  SCIM_RATE_LIMIT_ENABLED: bool.default(true),
  /**
   * V8 grows the heap by this percent before a full collection (README "Performance"); 0 = V8's own
   * policy. 125 since the door promotes ~0.13 MB a scavenge instead of ~0.8: V8 starts marking once the old
   * generation is within the young generation's 32 MB of its limit, so at 75 a ~35 MB heap was marked
   * after ~6 MB of growth, a mark-compact a second, and those were the door's slowest answers.
   */
  API_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(1000).default(125),
  /** The SCIM request log (GET /api/v1/directories/{id}/requests): written in batches this often. */
  REQUEST_LOG_ENABLED: bool.default(true),
  REQUEST_LOG_FLUSH_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** A directory with a live token and no request for this long counts in scimline_directories_silent. */
  DIRECTORY_SILENT_SECONDS: z.coerce.number().int().min(60).max(31_536_000).default(86_400),
  /** When set, /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open (block it at the ingress). */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  // --- sign-in (docs/RULES.md "Sign-in", README "Sign-in and SSO policy")
  /** Wrong passwords one user name may get within the window before its password sign-in pauses (429). */
  SIGN_IN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
  SIGN_IN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** Password sign-in attempts per client address per minute, and per second across the deployment. */
  SIGN_IN_ADDRESS_MAX_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  SIGN_IN_MAX_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(10),
  /** Slow password hashes one API process runs at once (each holds a core for a fraction of a second). */
  SIGN_IN_MAX_CONCURRENT_HASHES: z.coerce.number().int().min(1).max(64).default(4),
  /** Proxies in front of the API that append to X-Forwarded-For (0: use the socket's address). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(2_592_000).default(28_800),
  /** Clock skew tolerated on SAML time conditions (NotBefore, NotOnOrAfter) and ID tokens' exp/iat/nbf. */
  SIGN_IN_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
  /** How long an SP-initiated AuthnRequest waits for its response. */
  SAML_REQUEST_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  /** Accept SAML responses signed (or digested) with SHA-1; off by default. */
  SAML_ALLOW_SHA1: bool.default(false),
  /** OAuth client ids (the ID token's audience); a provider without one is off. Issuers: comma-separated. */
  GOOGLE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_OIDC_ISSUER: issuers.default(["https://accounts.google.com", "accounts.google.com"]),
  GOOGLE_OIDC_JWKS_URL: z.url().default("https://www.googleapis.com/oauth2/v3/certs"),
  MICROSOFT_OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** `{tenantid}` stands for the token's `tid` claim (multi-tenant apps). */
  MICROSOFT_OIDC_ISSUER: issuers.default(["https://login.microsoftonline.com/{tenantid}/v2.0"]),
  MICROSOFT_OIDC_JWKS_URL: z.url().default("https://login.microsoftonline.com/common/discovery/v2.0/keys"),
});

/** Production refuses the example admin key, short ones, and a missing password or webhook key. */
const checked = schema.superRefine((config, ctx) => {
  for (const [key, message] of productionSecretProblems(config)) ctx.addIssue({ code: "custom", path: [key], message });
});

export type Config = Readonly<z.infer<typeof schema>>;

/** Reads the environment once; an invalid one stops the process naming every bad key (never a value). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = checked.safeParse(env);
  if (!result.success) {
    const keys = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n  ${keys.join("\n  ")}`);
  }
  return Object.freeze(result.data);
}
