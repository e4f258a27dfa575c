import { productionSecretProblems } from "@scimline/db";
import { z } from "zod";

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.url().default("postgres://postgres@127.0.0.1:5432/scimline"),
  REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  QUEUE_PREFIX: z.string().min(1).default("{scimline}"),
  /** Small on purpose: extra backends only queue on the seats row (PERFORMANCE.md). */
  WORKER_DB_POOL_MAX: z.coerce.number().int().min(2).max(50).default(4),
  /** Jobs taken from Redis at once; they are folded into micro-batches. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(100),
  /** Users reconciled per database transaction. */
  BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(50),
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
  RELAY_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** How many numbers the sandbox carrier sells per area code (SPEC §5: 100; fewer for tests). */
  CARRIER_NUMBERS_PER_AREA_CODE: z.coerce.number().int().min(0).max(100).default(100),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** GET /metrics and /healthz of this process (Prometheus' usual exporter port); 0 turns them off. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default("0.0.0.0"),
  /** Shown in the dashboard as the job's "processed by"; default host name and pid. */
  WORKER_NAME: z.string().min(1).max(100).optional(),
  ADMIN_API_KEY: z.string().min(16, "must be at least 16 characters"),
  PASSWORD_ENCRYPTION_KEY: z.string().optional(),
  PASSWORD_ENCRYPTION_KEYS_PREVIOUS: z.string().default(""),
});

/** Production refuses the example admin key, short ones, and a missing password key. */
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
