import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../deps.ts";
import { dashboardAuth } from "../middleware/dashboard-auth.ts";

export const DASHBOARD_PATH = "/admin/queues";

const DESCRIPTIONS: Record<string, string> = {
  provisioning: "bring a user to its desired state (one job per user and generation)",
  webhooks: "deliver an endpoint's events in order (one job per endpoint at a time)",
};

/**
 * Bull Board at /admin/queues: every queue's jobs by state, a failed job's reason (the worker's
 * stable error code and message), retry.
 * Mounted on the root app, which is `strict: false`, so /admin/queues/ works too.
 */
export function dashboardRoutes(deps: Pick<AppDeps, "config" | "queues">) {
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(deps.queues).map(
      (queue) => new BullMQAdapter(queue, { description: DESCRIPTIONS[queue.name] ?? queue.name }),
    ),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: "Scimline queues",
        miscLinks: [{ text: "Overview", url: "/admin" }],
        hideDocsLink: true,
      },
    },
  });
  const app = new Hono<AppEnv>({ strict: false });
  app.use("*", dashboardAuth(deps.config.ADMIN_API_KEY));
  app.route("/", serverAdapter.registerPlugin());
  return app;
}
