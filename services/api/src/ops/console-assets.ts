import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import type { AppEnv } from "../deps.ts";

export const ASSETS_PATH = "/admin/assets";

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const require = createRequire(import.meta.url);
const uplot = dirname(require.resolve("uplot/package.json"));
// This package's own files (src/ops/assets), found from its root: the same from src/ (dev, tests) and dist/.
const own = join(dirname(require.resolve("@scimline/api/package.json")), "src", "ops", "assets");

/** Each file the console loads: uPlot as installed (no CDN, no build step) and the console's own. */
const FILES: Record<string, { path: string; type: string }> = {
  "uPlot.iife.min.js": { path: join(uplot, "dist", "uPlot.iife.min.js"), type: JS },
  "uPlot.min.css": { path: join(uplot, "dist", "uPlot.min.css"), type: CSS },
  "console.js": { path: join(own, "console.js"), type: JS },
  "console.css": { path: join(own, "console.css"), type: CSS },
};

/** GET /admin/assets/{file}: behind the ops credential like the pages; read once, then from memory. */
export function consoleAssetRoutes() {
  const app = new Hono<AppEnv>();
  const cache = new Map<string, Promise<Buffer>>();
  app.get(`${ASSETS_PATH}/:file`, async (c) => {
    const name = c.req.param("file");
    const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!file) return c.notFound();
    let content = cache.get(name);
    if (!content) {
      content = readFile(file.path);
      cache.set(name, content);
      content.catch(() => cache.delete(name));
    }
    return c.body(new Uint8Array(await content), 200, {
      "Content-Type": file.type,
      "Cache-Control": "private, max-age=300",
    });
  });
  return app;
}
