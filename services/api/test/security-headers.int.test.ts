import { describe, expect, test } from "vitest";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString("base64")}`;
const get = (path: string, headers: Record<string, string> = {}) => env().app.request(path, { headers });

describe("HTML pages: CSP, no framing, no sniffing", () => {
  test.each([
    ["/admin", basic],
    ["/admin/queues", basic],
    ["/admin/queues/queue/provisioning", basic],
    ["/api/v1/docs", ""],
    ["/api/v1/docs/", ""],
  ])("%s", async (path, authorization) => {
    const res = await get(path, authorization ? { Authorization: authorization } : {});
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval|https?:)/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    // Every script the page loads is on this origin, and none is inline.
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    for (const [, attributes = "", body = ""] of scripts) {
      const src = /\bsrc="([^"]*)"/.exec(attributes)?.[1];
      if (src) expect(src.startsWith("/") || !/^[a-z]+:|^\/\//i.test(src), src).toBe(true);
      else expect(/type="application\/json"/.test(attributes) || body.trim() === "", attributes).toBe(true);
    }
  });

  test("JSON answers are not sniffed either, and carry no page policy", async () => {
    const res = await get("/api/v1/openapi.json");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBeNull();
  });
});

describe("the API reference is served from the installed package (no CDN, works offline)", () => {
  test("its page names only this origin's assets, and each is served with its type", async () => {
    const html = await (await get("/api/v1/docs")).text();
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets).toEqual([
      "/api/v1/docs/assets/swagger-ui.css",
      "/api/v1/docs/assets/swagger-ui-bundle.js",
      "/api/v1/docs/assets/init.js",
    ]);
    for (const asset of assets) {
      const res = await get(asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("content-type")).toMatch(asset.endsWith(".css") ? /^text\/css/ : /^text\/javascript/);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect(html).toContain('data-spec="/api/v1/openapi.json"');
  });

  test("nothing else of the package (or the disk) is reachable", async () => {
    for (const path of [
      "/api/v1/docs/assets/package.json",
      "/api/v1/docs/assets/..%2F..%2Fpackage.json",
      "/api/v1/docs/assets/index.html",
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });
});
