import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** Step outcomes that are not failures; anything else is an error code (the telephony extension's `error`). */
const SUCCESS = new Set(["done", "erased", "gone", "needs_carrier"]);
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The worker's Prometheus metrics (README "Operations"): step durations and failures, jobs completed and failed. */
export function createWorkerMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const stepDuration = new Histogram({
    name: "scimline_worker_step_duration_seconds",
    help: "Duration of a provisioning step, by step and outcome",
    labelNames: ["step", "outcome"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const stepFailures = new Counter({
    name: "scimline_worker_step_failures_total",
    help: "Provisioning steps that ended in an error code, by step and error code",
    labelNames: ["step", "error_code"],
    registers: [registry],
  });
  const jobs = new Counter({
    name: "scimline_worker_jobs_total",
    help: "Job attempts that ended: completed, failed (stays failed) or retried (back with backoff)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: "scimline_worker_job_duration_seconds",
    help: "Duration of a job attempt, by outcome",
    labelNames: ["outcome"],
    buckets: BUCKETS,
    registers: [registry],
  });
  for (const outcome of ["completed", "failed", "retried"]) jobs.inc({ outcome }, 0);
  const swept = new Counter({
    name: "scimline_worker_sweep_users_total",
    help: "Users the reconcile sweep acted on: requeued (job lost), retried (job finished, work still owed), given_up (job failed for good), retention_erased",
    labelNames: ["action"],
    registers: [registry],
  });
  for (const action of ["requeued", "retried", "given_up", "retention_erased"]) swept.inc({ action }, 0);
  const webhookAttempts = new Counter({
    name: "scimline_worker_webhook_attempts_total",
    help: "Webhook delivery attempts: delivered (2xx), retrying (will be tried again), failed (schedule spent)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const webhookDuration = new Histogram({
    name: "scimline_worker_webhook_attempt_duration_seconds",
    help: "Duration of a webhook delivery attempt, by outcome",
    labelNames: ["outcome"],
    buckets: BUCKETS,
    registers: [registry],
  });
  for (const outcome of ["delivered", "retrying", "failed"]) webhookAttempts.inc({ outcome }, 0);

  return {
    registry,
    /** The runtime's onStep hook. */
    onStep(step: string, outcome: string, seconds: number) {
      stepDuration.observe({ step, outcome }, seconds);
      if (!SUCCESS.has(outcome)) stepFailures.inc({ step, error_code: outcome });
    },
    /** The webhook runtime's onAttempt hook. */
    onWebhookAttempt(outcome: "delivered" | "retrying" | "failed", seconds: number) {
      webhookAttempts.inc({ outcome });
      webhookDuration.observe({ outcome }, seconds);
    },
    /** The runtime's onSweep hook. */
    onSweep(result: { requeued: number; retried: number; givenUp: number; retentionErased: number }) {
      swept.inc({ action: "requeued" }, result.requeued);
      swept.inc({ action: "retried" }, result.retried);
      swept.inc({ action: "given_up" }, result.givenUp);
      swept.inc({ action: "retention_erased" }, result.retentionErased);
    },
    /** The runtime's onJob hook. */
    onJob(outcome: "completed" | "failed" | "retried", seconds: number) {
      jobs.inc({ outcome });
      jobDuration.observe({ outcome }, seconds);
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/**
 * A tiny HTTP server on WORKER_METRICS_PORT: GET /metrics (Prometheus text) and /healthz.
 * A port in use is logged, not fatal: several workers on one host need distinct ports,
 * and losing metrics must not stop provisioning.
 */
export function serveMetrics(
  metrics: WorkerMetrics,
  options: { port: number; host: string; logger: Logger; healthy: () => boolean },
): Promise<Server | null> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
    } else if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (path === "/healthz") {
      const ok = options.healthy();
      res
        .writeHead(ok ? 200 : 503, { "Content-Type": "application/json" })
        .end(JSON.stringify({ status: ok ? "ok" : "stopping" }));
    } else res.writeHead(404).end();
  });
  return new Promise((resolve) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      options.logger.error({ err: { message: error.message, code: error.code } }, "metrics server not started");
      resolve(null);
    });
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = address && typeof address === "object" ? address.port : options.port;
      options.logger.info({ port }, "metrics listening");
      resolve(server);
    });
  });
}
