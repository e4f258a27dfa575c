import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { parseReconcileBatchJobData, parseReconcileJobData } from "@scimline/queue";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { withTimeout } from "../ops/stats.ts";
import { ErrorBody, errors, Id, json } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const JobParams = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, "must be a job id such as u_<userId>_g<generation>")
    .openapi({
      param: { name: "id", in: "path" },
      example: "u_019a6b1e-7c1d-7f3a-9a53-2b1c3d4e5f60_g1",
    }),
});

const RetriedJob = z
  .object({
    id: z.string(),
    queue: z.string(),
    state: z.literal("waiting"),
    userId: Id.nullable().openapi({ description: "The user of a user's job; null for a batch job of the relay" }),
    userIds: z.array(Id).openapi({ description: "Every user the job carries: one for a user's job" }),
    previousFailure: z.string().nullable(),
  })
  .openapi("RetriedJob");

const retryJob = createRoute({
  method: "post",
  path: "/jobs/{id}/retry",
  tags: ["Jobs"],
  summary: "Retry a failed provisioning job (after fixing its cause); the dashboard's Retry does the same",
  request: { params: JobParams },
  responses: {
    202: json(RetriedJob, "Back in the queue"),
    ...errors({
      400: "VALIDATION_FAILED: not a job id",
      404: "JOB_NOT_FOUND (also once a failed job has been removed, after 14 days)",
      409: "JOB_NOT_FAILED: the job is waiting, active, delayed or completed",
    }),
    503: json(ErrorBody, "QUEUE_UNAVAILABLE: Redis did not answer; retry shortly"),
  },
});

const REDIS_TIMEOUT_MS = 2000;

/** POST /api/v1/jobs/{id}/retry: the job ids are those shown by the dashboard and the overview. */
export function jobRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const queue = deps.queues.provisioning;
  const unavailable = (error: unknown) => {
    deps.logger.warn({ err: { message: (error as Error).message } }, "queue unavailable");
    return new AdminError("QUEUE_UNAVAILABLE", "The job queue did not answer; retry shortly");
  };
  const redis = <T>(promise: Promise<T>) =>
    withTimeout(promise, REDIS_TIMEOUT_MS, "redis").catch((error: unknown) => {
      throw unavailable(error);
    });

  app.openapi(retryJob, async (c) => {
    const { id } = c.req.valid("param");
    const job = await redis(queue.getJob(id));
    if (!job) throw new AdminError("JOB_NOT_FOUND", `No job ${id} in queue ${queue.name}`);
    const notFailed = (state: string) =>
      new AdminError("JOB_NOT_FAILED", `Job ${id} is ${state}; only a failed job can be retried`);
    const state = await redis(job.getState());
    if (state !== "failed") throw notFailed(state);
    const previousFailure = job.failedReason ?? null;
    try {
      // Full attempts again: a retried no_number_available gets its backoff retries back.
      await withTimeout(
        job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true }),
        REDIS_TIMEOUT_MS,
        "redis",
      );
    } catch (error) {
      // Another retry (the dashboard, a second call) may have won the race; else Redis failed us.
      const now = await redis(job.getState());
      if (now !== "failed") throw notFailed(now);
      throw unavailable(error);
    }
    c.get("logger").info({ jobId: id }, "job retried");
    const user = parseReconcileJobData(job.data);
    const userIds = user ? [user.userId] : (parseReconcileBatchJobData(job.data)?.users.map((u) => u.userId) ?? []);
    return c.json(
      { id, queue: queue.name, state: "waiting" as const, userId: user?.userId ?? null, userIds, previousFailure },
      202,
    );
  });

  return app;
}
