import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../deps.ts";

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms).unref()),
  ]);

/** /healthz: the process answers. /readyz: Postgres and Redis answer too (README "Operations"). */
export function healthRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const [postgres, redis] = await Promise.all([
      withTimeout(deps.database.sql`select 1`, 2000).then(
        () => "ok",
        () => "unreachable",
      ),
      withTimeout(deps.redis.ping(), 2000).then(
        () => "ok",
        () => "unreachable",
      ),
    ]);
    const ready = postgres === "ok" && redis === "ok";
    return c.json({ status: ready ? "ready" : "unavailable", postgres, redis }, ready ? 200 : 503);
  });
  return app;
}
