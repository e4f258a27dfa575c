import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, checkerFor, code, loadOpenApi, type OpenApiDoc, type Operation } from "./helpers/openapi.ts";

const env = useTestEnv();
const api = apiClient(env);

const operations = (doc: OpenApiDoc) =>
  Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), template, op: op as Operation })),
  );

/** A concrete path for a template: uuids for ids, an E.164 number, a job id. */
const fill = (template: string, op: Operation) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const param = op.parameters?.find((p) => p.in === "path" && p.name === name);
    const schema = (param?.schema ?? {}) as { format?: string };
    if (schema.format === "uuid") return randomUUID();
    if (name === "e164") return "%2B14155550100";
    return "u_x_g1";
  });

describe("the OpenAPI document describes exactly what /api/v1 serves", () => {
  test("openapi.json and the browsable reference are public", async () => {
    const doc = await env().app.request("/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    const body = (await doc.json()) as OpenApiDoc;
    expect(body.openapi).toBe("3.1.0");
    expect(body.servers).toEqual([{ url: "/api/v1" }]);
    for (const path of ["/api/v1/docs", "/api/v1/docs/"]) {
      const page = await env().app.request(path);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain("/api/v1/openapi.json");
      expect(html).toContain("Scimline admin API");
    }
  });

  test("every route registered under /api/v1 is documented, and every documented one is served", async () => {
    const doc = await loadOpenApi(env());
    const ignored = new Set([
      "GET /api/v1/openapi.json",
      "GET /api/v1/docs",
      "GET /api/v1/docs/assets/init.js",
      "GET /api/v1/docs/assets/:file",
    ]);
    const served = new Set(
      env()
        .app.routes.filter((r) => r.path.startsWith("/api/v1/") && r.method !== "ALL")
        .map((r) => `${r.method} ${r.path}`)
        .filter((r) => !ignored.has(r)),
    );
    const documented = new Set(
      operations(doc).map(({ method, template }) => `${method} /api/v1${template.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    // The routes of the admin API and issue 3, at least.
    for (const route of [
      "POST /api/v1/companies",
      "GET /api/v1/companies/:id",
      "PATCH /api/v1/companies/:id",
      "PUT /api/v1/companies/:id/settings",
      "GET /api/v1/companies/:id/license-types",
      "POST /api/v1/companies/:id/license-types",
      "PATCH /api/v1/companies/:id/license-types/:licenseTypeId",
      "POST /api/v1/companies/:id/offices",
      "PATCH /api/v1/companies/:id/offices/:officeId",
      "POST /api/v1/companies/:id/numbers",
      "DELETE /api/v1/companies/:id/numbers/:e164",
      "POST /api/v1/companies/:id/directories",
      "POST /api/v1/directories/:id/tokens",
      "DELETE /api/v1/directories/:id/tokens/:tokenId",
      "GET /api/v1/companies/:id/users",
      "GET /api/v1/companies/:id/users/:userId",
      "PATCH /api/v1/companies/:id/users/:userId",
      "POST /api/v1/companies/:id/users/:userId/retry",
      "GET /api/v1/companies/:id/charges",
      "GET /api/v1/companies/:id/seats",
      "POST /api/v1/companies/:id/group-rules",
      "GET /api/v1/companies/:id/group-rules",
      "PATCH /api/v1/companies/:id/group-rules/:ruleId",
      "DELETE /api/v1/companies/:id/group-rules/:ruleId",
      "POST /api/v1/companies/:id/group-rules/preview",
      "PATCH /api/v1/directories/:id",
    ]) {
      expect(documented).toContain(route);
    }
  });

  test("every operation documents its errors with the error schema, its path parameters and its auth", async () => {
    const doc = await loadOpenApi(env());
    expect(doc.components.schemas.Error).toBeDefined();
    for (const { method, template, op } of operations(doc)) {
      const where = `${method} ${template}`;
      const statuses = Object.keys(op.responses);
      for (const status of ["400", "401", "500", "503"]) expect(statuses, where).toContain(status);
      if (op.requestBody) expect(statuses, where).toContain("413");
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const schema = op.responses[status]?.content?.["application/json"]?.schema;
        expect(schema, `${where} ${status}`).toEqual({ $ref: "#/components/schemas/Error" });
      }
      const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === "path" && p.required).map((p) => p.name);
      expect(declared.sort(), where).toEqual(names.sort());
    }
  });

  test("every operation answers 401 without the admin key and with a wrong one", async () => {
    const doc = await loadOpenApi(env());
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(20);
    for (const { method, template, op } of ops) {
      const path = fill(template, op);
      const body = op.requestBody ? {} : undefined;
      for (const key of [null, "wrong-key-0123456789", `${"test-admin-key-0123456789"}x`]) {
        const reply = await api(method, path, body, { key });
        expect(reply.status, `${method} ${template} with key ${key}`).toBe(401);
        expect(code(reply)).toBe("UNAUTHORIZED");
        expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer /);
      }
    }
  });

  test("the response checker is not vacuous: it catches undocumented statuses, fields, types and bodies", async () => {
    const checker = await checkerFor(env());
    const reply = (status: number, body: unknown, type = "application/json") => ({
      status,
      text: body === undefined ? "" : JSON.stringify(body),
      body: {},
      headers: new Headers(body === undefined ? {} : { "content-type": type }),
    });
    const error = { error: { code: "X", message: "m", requestId: "r" } };
    const path = `/companies/${randomUUID()}`;
    expect(checker.problems("GET", path, reply(404, error))).toEqual([]);
    expect(checker.problems("GET", path, reply(418, error))).toEqual([expect.stringContaining("not documented")]);
    expect(checker.problems("GET", path, reply(404, { error: { code: "X" } }))).not.toEqual([]);
    expect(checker.problems("GET", path, reply(404, { ...error, extra: 1 }))).not.toEqual([]);
    expect(checker.problems("GET", path, reply(404, error, "text/plain"))).not.toEqual([]);
    expect(checker.problems("GET", `${path}/nowhere`, reply(404, error))).not.toEqual([]);
    const numbers = `/companies/${randomUUID()}/numbers/%2B14155550100`;
    expect(checker.problems("DELETE", numbers, reply(204, undefined))).toEqual([]);
    expect(checker.problems("DELETE", numbers, reply(204, { ok: true }))).not.toEqual([]);
    expect(checker.requestProblems("PATCH", `${path}/users/${randomUUID()}`, { bogus: 1 })).not.toEqual([]);
    expect(checker.requestProblems("PATCH", `${path}/users/${randomUUID()}`, { extension: "205" })).toEqual([]);
    const company = { id: "not-a-uuid", name: "A" };
    expect(checker.problems("GET", path, reply(200, company)).join("\n")).toMatch(/format|required/);
  });

  test("a body over 1 MiB is 413 PAYLOAD_TOO_LARGE, as documented", async () => {
    const big = JSON.stringify({ name: "x".repeat(1_100_000) });
    const res = await api("PATCH", `/companies/${randomUUID()}`, undefined, { rawBody: big });
    expect([res.status, code(res)]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
  });

  test("a route that does not exist is 401 without the key and 404 with it, in the error format", async () => {
    expect((await env().app.request("/api/v1/nothing-here")).status).toBe(401);
    const res = await env().app.request("/api/v1/nothing-here", {
      headers: { Authorization: "Bearer test-admin-key-0123456789" },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });
});
