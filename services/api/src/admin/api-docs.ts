import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import type { AppEnv } from "../deps.ts";

/** Swagger UI's files, served from the installed swagger-ui-dist: no CDN, works offline. */
const PACKAGE_FILES = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
} as const;

/** Starts Swagger UI on the document named by the script tag (a file, so the page needs no inline script). */
const INIT_JS = `(() => {
  const spec = document.currentScript.dataset.spec;
  window.addEventListener("load", () => {
    window.ui = SwaggerUIBundle({ url: spec, dom_id: "#app", deepLinking: true });
  });
})();
`;

const page = (base: string, spec: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Scimline admin API</title>
  <link rel="stylesheet" href="${base}/assets/swagger-ui.css" />
</head>
<body>
  <div id="app"></div>
  <script src="${base}/assets/swagger-ui-bundle.js"></script>
  <script src="${base}/assets/init.js" data-spec="${spec}"></script>
</body>
</html>
`;

/**
 * GET /docs: a browsable reference of /openapi.json (Swagger UI). Every script and style comes
 * from this origin, so the page runs under the strict CSP of every HTML page (security-headers.ts).
 */
export function apiDocsRoutes() {
  const app = new Hono<AppEnv>({ strict: false });
  const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const files = new Map<string, Promise<Buffer>>();
  const file = (name: keyof typeof PACKAGE_FILES) => {
    let content = files.get(name);
    if (!content) {
      content = readFile(join(dir, name));
      files.set(name, content);
    }
    return content;
  };
  const cache = { "Cache-Control": "public, max-age=86400" };

  app.get("/docs", (c) => {
    const base = c.req.path.replace(/\/+$/, "");
    return c.html(page(base, base.replace(/\/docs$/, "/openapi.json")));
  });
  app.get("/docs/assets/init.js", (c) =>
    c.body(INIT_JS, 200, { "Content-Type": "text/javascript; charset=utf-8", ...cache }),
  );
  app.get("/docs/assets/:file", async (c) => {
    const name = c.req.param("file");
    if (!Object.hasOwn(PACKAGE_FILES, name)) return c.notFound();
    const type = PACKAGE_FILES[name as keyof typeof PACKAGE_FILES];
    return c.body(new Uint8Array(await file(name as keyof typeof PACKAGE_FILES)), 200, {
      "Content-Type": type,
      ...cache,
    });
  });
  return app;
}
