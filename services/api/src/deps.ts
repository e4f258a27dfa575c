import type { Database, PasswordKeys } from "@scimline/db";
import type { ProvisioningJobData } from "@scimline/queue";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "./config.ts";
import type { LiveSampler } from "./ops/live-sampler.ts";
import type { LogSubject } from "./request-log/middleware.ts";
import type { RequestLog } from "./request-log/request-log.ts";
import type { ScimPrincipal, Tenancy } from "./tenancy.ts";
import type { UserInserter } from "./use-cases/users/user-inserter.ts";

/** Long-lived dependencies, built once in main.ts (or by a test) and handed to createApp. */
export type AppDeps = {
  config: Config;
  database: Database;
  tenancy: Tenancy;
  /** For readiness and rate limits; commands fail fast when Redis is down (the door never waits on it). */
  redis: Redis;
  /** BullMQ producers for the dashboard, job retries and queue metrics; the door never uses them. */
  queues: ApiQueues;
  logger: Logger;
  /** Seals a password until the worker's slow hash (see @scimline/db secrets). */
  passwordKey: PasswordKeys;
  clock: () => Date;
  /** Where the app registers its metrics; main.ts passes one with the process metrics. Default: a fresh one. */
  metricsRegistry?: Registry;
  /** The door's group-committing writer of creates. Default: one over `database`. */
  userInserter?: UserInserter;
  /** The ops console's live series; main.ts starts one. Default: one started by the first viewer. */
  liveSampler?: LiveSampler;
  /** The SCIM request log's writer (batched, off the request's path); absent: requests are not logged. */
  requestLog?: RequestLog;
};

/** The queues ops see in the dashboard and /metrics; webhook deliveries run on a queue of their own. */
export type ApiQueues = { provisioning: Queue<ProvisioningJobData>; webhooks?: Queue };

/** Request-scoped values. */
export type AppEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: ScimPrincipal;
    /** Who a SCIM request was about, for the request log. */
    logSubject: LogSubject | undefined;
    /** When the request log's line for this request starts (set once the token is known). */
    requestLogAt: Date | undefined;
  };
};
