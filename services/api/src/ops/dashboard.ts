import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../deps.ts";
import { loadOnce } from "../load-once.ts";
import { dashboardAuth } from "../middleware/dashboard-auth.ts";

export const DASHBOARD_PATH = "/admin/queues";

const DESCRIPTIONS: Record<string, string> = {
  provisioning: "bring a user to its desired state (one job per user and generation)",
  webhooks: "deliver an endpoint's events in order (one job per endpoint at a time)",
};

/**
 * Bull Board at /admin/queues: every queue's jobs by state, a failed job's reason (the worker's
 * stable error code and message), retry.
 * Mounted on the root app, which is `strict: false`, so /admin/queues/ works too. Bull Board and what
 * it brings (lodash, EJS, its UI's routes: ~3 MB of the API's heap, kept for the process's life) are
 * loaded on the first authenticated request, not at start: the door never pays for them.
 */
export function dashboardRoutes(deps: Pick<AppDeps, "config" | "queues">) {
  const app = new Hono<AppEnv>({ strict: false });
  app.use("*", dashboardAuth(deps.config.ADMIN_API_KEY));
  const board = loadOnce(() => loadBoard(deps));
  app.all("*", async (c) => (await board()).fetch(c.req.raw, c.env));
  return app;
}

async function loadBoard(deps: Pick<AppDeps, "queues">): Promise<Hono> {
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { serveStatic }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/hono"),
    import("@hono/node-server/serve-static"),
  ]);
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
  // Its own app, given the whole request: its routes are under the dashboard's path as before.
  const board = new Hono({ strict: false });
  board.route(DASHBOARD_PATH, serverAdapter.registerPlugin());
  return board;
}
