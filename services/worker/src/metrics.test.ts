import { describe, expect, test } from "vitest";
import { createWorkerMetrics } from "./metrics.ts";

describe("the worker's metrics", () => {
  test("webhook attempts, sweep actions and jobs are counted by outcome", async () => {
    const m = createWorkerMetrics({ defaultMetrics: false });
    m.onWebhookAttempt("delivered", 0.02);
    m.onWebhookAttempt("delivered", 0.03);
    m.onWebhookAttempt("retrying", 10);
    m.onSweep({ requeued: 3, retried: 0, givenUp: 1, retentionErased: 2 });
    m.onJob("completed", 0.1);
    const text = await m.registry.metrics();
    expect(text).toContain('scimline_worker_webhook_attempts_total{outcome="delivered"} 2');
    expect(text).toContain('scimline_worker_webhook_attempts_total{outcome="retrying"} 1');
    expect(text).toContain('scimline_worker_webhook_attempts_total{outcome="failed"} 0');
    expect(text).toContain('scimline_worker_sweep_users_total{action="requeued"} 3');
    expect(text).toContain('scimline_worker_sweep_users_total{action="retention_erased"} 2');
    expect(text).toContain('scimline_worker_jobs_total{outcome="completed"} 1');
  });
});
