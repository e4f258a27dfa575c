import { productionSecretProblems } from "@scimline/db";
import { SANDBOX_NUMBERS_PER_AREA_CODE } from "@scimline/domain";
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.url().default("postgres://postgres@127.0.0.1:5432/scimline"),
  REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  QUEUE_PREFIX: z.string().min(1).default("{scimline}"),
  /** Small on purpose: extra backends only queue on the seats row (docs/decisions/0006-micro-batched-reconcile.md). */
  WORKER_DB_POOL_MAX: z.coerce.number().int().min(2).max(50).default(4),
  /** Jobs taken from Redis at once; they are folded into micro-batches. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(100),
  /**
   * Users reconciled per database transaction (and per relay job). Batches fill only under a
   * backlog; 200 costs a burst ~8% less CPU per user than 50 (docs/decisions/0006-micro-batched-reconcile.md).
   */
  BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(200),
  /** Batches in flight at once (keep ≤ DB_POOL_MAX - 1: the relay needs a connection). */
  BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  JOB_BACKOFF_MS: z.coerce.number().int().min(10).default(1000),
  /** After a worker dies, its active jobs are taken back once their lock expires. */
  JOB_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  STALLED_CHECK_MS: z.coerce.number().int().min(500).default(30_000),
  /** Times a job may be taken back from a dead or frozen worker before it fails; reruns are harmless. */
  JOB_MAX_STALLS: z.coerce.number().int().min(1).max(100).default(5),
  RELAY_INTERVAL_MS: z.coerce.number().int().min(5).default(50),
  /** How often the sweep looks for users owed work whose job was lost (and for retention erasures, capacity alerts). */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  /** Work owed for less than this is left to the relay and the queue; after it, a lost job is re-enqueued. */
  SWEEP_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  RELAY_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** How many numbers the sandbox carrier sells per area code (at most the 100 reserved for fiction; fewer for tests). */
  CARRIER_NUMBERS_PER_AREA_CODE: z.coerce
    .number()
    .int()
    .min(0)
    .max(SANDBOX_NUMBERS_PER_AREA_CODE)
    .default(SANDBOX_NUMBERS_PER_AREA_CODE),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** GET /metrics and /healthz of this process (Prometheus' usual exporter port); 0 turns them off. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default("0.0.0.0"),
  /** Shown in the dashboard as the job's "processed by"; default host name and pid. */
  WORKER_NAME: z.string().min(1).max(100).optional(),
  ADMIN_API_KEY: z.string().min(16, "must be at least 16 characters"),
  PASSWORD_ENCRYPTION_KEY: z.string().optional(),
  PASSWORD_ENCRYPTION_KEYS_PREVIOUS: z.string().default(""),
  // --- webhooks (README "Webhooks")
  /** Key (base64, 32 bytes) that seals webhook signing secrets; required in production. */
  WEBHOOK_SECRET_KEY: z.string().optional(),
  /** Keys that sealed webhook secrets before a rotation (comma-separated): they still open, never seal. */
  WEBHOOK_SECRET_KEYS_PREVIOUS: z.string().default(""),
  /** Deliveries may go to private, loopback and link-local addresses (development and tests only). */
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: bool.default(false),
  /** Endpoints delivered to at once by this process (each endpoint's own deliveries are sequential). */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
  /** How often endpoints are checked for events to deliver. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(5).max(60_000).default(1000),
  /** One delivery attempt: connect, send, and the answer's status, all within this. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Retry schedule: the first retry after BASE, doubling up to MAX, ATTEMPTS attempts in all (default: ~25.4 h). */
  WEBHOOK_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(5000),
  WEBHOOK_BACKOFF_MAX_MS: z.coerce.number().int().min(1).default(3_600_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(35),
});

/** Production refuses the example admin key, short ones, and a missing password or webhook key. */
const checked = schema.superRefine((config, ctx) => {
  for (const [key, message] of productionSecretProblems(config)) ctx.addIssue({ code: "custom", path: [key], message });
});

export type WorkerConfig = Readonly<z.infer<typeof schema>>;

/** Reads the environment once; an invalid one stops the process naming every bad key (never a value). */
export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const result = checked.safeParse(env);
  if (!result.success) {
    const keys = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n  ${keys.join("\n  ")}`);
  }
  return Object.freeze(result.data);
}
