import type { Database } from "@scimline/db";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { ScimPrincipal, Tenancy } from "./tenancy.ts";

/** Long-lived dependencies, built once in main.ts (or by a test) and handed to createApp. */
export type AppDeps = {
  config: Config;
  database: Database;
  tenancy: Tenancy;
  /** For readiness, rate limits and queues; commands fail fast when Redis is down (the door never waits on it). */
  redis: Redis;
  logger: Logger;
  /** Seals a password until the worker's slow hash (see @scimline/db secrets). */
  passwordKey: Buffer;
  clock: () => Date;
};

/** Request-scoped values. */
export type AppEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: ScimPrincipal;
  };
};
