import { checkInvariants, isUuid } from "@scimline/db";
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../deps.ts";
import { dashboardAuth } from "../middleware/dashboard-auth.ts";
import { ASSETS_PATH, consoleAssetRoutes } from "./console-assets.ts";
import { renderConsole, SECTIONS } from "./console-page.ts";
import type { LiveSampler } from "./live-sampler.ts";
import { loadOverview } from "./overview-data.ts";
import { cached } from "./stats.ts";
import { loadUserPage, renderUserPage } from "./user-page.ts";

/** Viewers within this share one reading of the page's figures (each refreshes every 10 s). */
const OVERVIEW_CACHE_MS = 5000;
/** Every company's invariants scan users and pools: at most twice a minute, however many viewers. */
const INVARIANTS_CACHE_MS = 30_000;

/**
 * The ops console, behind the admin credential: /admin (the page), /admin/live.json (the charts'
 * series, polled every 2 s), /admin/sections/{name} (parts of the page, refreshed every 10 s),
 * /admin/users/{userId} (one user: timeline and its company's invariants), /admin/assets/{file}.
 */
export function overviewRoutes(deps: Pick<AppDeps, "config" | "database" | "queues">, live: LiveSampler) {
  const app = new Hono<AppEnv>({ strict: false });
  const auth = dashboardAuth(deps.config.ADMIN_API_KEY);
  const invariants = cached(() => checkInvariants(deps.database.sql), INVARIANTS_CACHE_MS);
  const overview = cached(
    () => loadOverview(deps.database.sql, Object.values(deps.queues), invariants),
    OVERVIEW_CACHE_MS,
  );
  const noStore = { "Cache-Control": "no-store" };

  app.get("/admin", auth, async (c) => {
    live.touch();
    const [figures] = await Promise.all([overview(), live.ready()]);
    return c.html(renderConsole(figures, live.view()), 200, noStore);
  });
  app.get("/admin/live.json", auth, (c) => {
    live.touch();
    return c.json(live.view(), 200, noStore);
  });
  app.get("/admin/sections/:name", auth, async (c) => {
    const name = c.req.param("name");
    if (!Object.hasOwn(SECTIONS, name)) return c.notFound();
    const render = SECTIONS[name as keyof typeof SECTIONS];
    return c.html(render(await overview()), 200, noStore);
  });
  app.get("/admin/users/:userId", auth, async (c) => {
    const userId = c.req.param("userId");
    const page = isUuid(userId) ? await loadUserPage(deps.database, userId) : null;
    if (!page) return c.text(`No user ${userId}.`, 404, noStore);
    return c.html(renderUserPage(page), 200, noStore);
  });
  app.use(`${ASSETS_PATH}/*`, auth);
  app.route("/", consoleAssetRoutes());
  return app;
}
