import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { safeEqual } from "@scimline/db";
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admin, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { fuzzOptions } from "./helpers/fuzz-arbitraries.ts";
import { rawRequest, serveApp } from "./helpers/fuzz-http.ts";

const lines: string[] = [];
const env = useTestEnv({ logger: pino({ level: "debug" }, { write: (l: string) => void lines.push(l) }) });
let t: Tenant;
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
const PASSWORD = "Sup3r-Secret-Passw0rd!";
beforeAll(async () => {
  t = await createTenant(env());
  server = await serveApp(env());
});
afterAll(async () => {
  await server?.close();
});

describe("secrets at rest", () => {
  test("tokens are stored as their SHA-256 only; no token, password or admin key sits in any table", async () => {
    const second = (await admin(env(), "POST", `/directories/${t.directoryId}/tokens`)).body.token as string;
    await scim(env(), t.token, "POST", "/Users", oktaUser("at.rest@x.io", { password: PASSWORD }));
    const hashes = await env().database.sql<{ token_hash: string }[]>`
      select token_hash from scim_tokens where directory_id = ${t.directoryId} order by created_at`;
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(hashes.map((h) => h.token_hash)).toEqual([sha(t.token), sha(second)]);
    // The SCIM request log is written off the request's path: flush it so its rows are scanned too.
    await env().deps.requestLog?.flush();
    const tables = await env().database.sql<{ name: string }[]>`
      select tablename as name from pg_tables where schemaname = 'public'`;
    for (const { name } of tables) {
      for (const secret of [t.token, second, PASSWORD, ADMIN_KEY]) {
        const [hit] = await env().database.sql.unsafe(
          `select count(*)::int as n from "${name}" x where x::text like $1`,
          [`%${secret}%`],
        );
        expect(hit?.n, `${secret.slice(0, 6)}… in ${name}`).toBe(0);
      }
    }
  });
});

describe("webhook secrets", () => {
  test("are stored sealed only (no table holds one, before or after a rotation), and never logged", async () => {
    const created = await admin(env(), "POST", `/companies/${t.companyId}/webhooks`, {
      url: "https://hooks.example.com/secrets",
    });
    const first = created.body.secret as string;
    const rotated = await admin(env(), "POST", `/webhooks/${created.body.id}/rotate-secret`);
    const second = rotated.body.secret as string;
    expect(first).toMatch(/^whsec_/);
    expect(second).toMatch(/^whsec_/);
    const listed = await admin(env(), "GET", `/companies/${t.companyId}/webhooks`);
    const tables = await env().database.sql<{ name: string }[]>`
      select tablename as name from pg_tables where schemaname = 'public'`;
    for (const secret of [first, second]) {
      // The base64 body without its padding: what a plain copy would contain.
      const core = secret.slice(6, 40);
      for (const { name } of tables) {
        const [hit] = await env().database.sql.unsafe(
          `select count(*)::int as n from "${name}" x where x::text like $1`,
          [`%${core}%`],
        );
        expect(hit?.n, `a webhook secret in ${name}`).toBe(0);
      }
      expect(JSON.stringify(listed.body)).not.toContain(core);
      for (const line of lines) expect(line).not.toContain(core);
    }
  });
});

describe("constant-time comparison", () => {
  test("safeEqual is equality for any two strings, whatever their lengths", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (x, y) => {
        expect(safeEqual(x, y)).toBe(x === y);
        expect(safeEqual(x, x)).toBe(true);
      }),
      fuzzOptions(5401, 500),
    );
  });

  test("the admin key, dashboard credentials and sealed passwords are compared only through safeEqual", () => {
    // A plain === on a secret would leak its prefix through timing; SCIM tokens are looked up by hash.
    const src = fileURLToPath(new URL("../src", import.meta.url));
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const compared =
      /(adminKey|ADMIN_API_KEY|sealed|password|token)\w*\s*[!=]==?\s|[!=]==?\s*(adminKey|ADMIN_API_KEY|sealed)\b/;
    const offenders = files.flatMap((f) =>
      readFileSync(join(src, f), "utf8")
        .split("\n")
        .map((line, i) => [`${f}:${i + 1}`, line] as const)
        .filter(([, line]) => compared.test(line) && !/=== (undefined|null)|!== (undefined|null)|typeof /.test(line)),
    );
    expect(offenders).toEqual([]);
  });
});

describe("no secret in an error body or a log line", () => {
  test("bad requests carrying a token, a password or the admin key never echo them", async () => {
    const wrongToken = `scim_${"A".repeat(43)}`;
    const attempts = [
      await scim(env(), wrongToken, "GET", "/Users"),
      await scim(env(), t.token, "POST", "/Users", { userName: "", password: PASSWORD }),
      await scim(env(), t.token, "POST", "/Users", `{"userName":"x@x.io","password":"${PASSWORD}",`),
      await scim(env(), t.token, "POST", "/Users", { userName: "p@x.io", password: { value: PASSWORD } }),
      await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent(`password eq "${PASSWORD}"`)}`),
      await scim(env(), t.token, "GET", `/Users?filter=${encodeURIComponent(`userName eq "${t.token}"`)}`),
      await scim(env(), t.token, "PATCH", "/Users/x", {
        Operations: [{ op: "replace", path: "password", value: PASSWORD }],
      }),
      await admin(env(), "POST", `/auth/${t.companyId}/password`, { userName: "nobody", password: PASSWORD }),
    ];
    const res = await env().app.request("/api/v1/companies", { headers: { Authorization: `Bearer ${ADMIN_KEY}x` } });
    const bodies = [...attempts.map((r) => JSON.stringify(r.body)), await res.text()];
    for (const body of bodies)
      for (const secret of [wrongToken, t.token, PASSWORD, ADMIN_KEY]) expect(body).not.toContain(secret);
    for (const line of lines)
      for (const secret of [wrongToken, t.token, PASSWORD, ADMIN_KEY]) expect(line).not.toContain(secret);
    expect(lines.length).toBeGreaterThan(5);
  });
});

describe("request size limits", () => {
  const big = Buffer.from(JSON.stringify({ userName: "big@x.io", name: "x".repeat(1024 * 1024) }));
  const surfaces: Array<[string, string, string]> = [
    ["POST", "/scim/v2/Users", "scim"],
    ["PUT", "/scim/v2/Users/00000000-0000-4000-8000-000000000000", "scim"],
    ["PATCH", "/scim/v2/Groups/00000000-0000-4000-8000-000000000000", "scim"],
    ["POST", "/api/v1/companies", "admin"],
    ["PUT", "/api/v1/companies/00000000-0000-4000-8000-000000000000/settings", "admin"],
    ["POST", "/auth/00000000-0000-4000-8000-000000000000/password", "sign-in"],
  ];

  test.each(surfaces)("%s %s: a body over 1 MiB is 413, announced or not", async (method, path, kind) => {
    for (const announced of [true, false]) {
      const headers: Array<[string, string]> = [
        ["Authorization", `Bearer ${kind === "scim" ? t.token : ADMIN_KEY}`],
        ["Content-Type", "application/json"],
      ];
      const reply = announced
        ? await rawRequest(server?.port ?? 0, { method, path, headers, body: big })
        : await chunked(method, path, headers, big);
      expect(reply.status, `${method} ${path} announced=${announced}`).toBe(413);
    }
  });

  test("headers over Node's 16 KiB limit are refused before the app (431)", async () => {
    const reply = await rawRequest(server?.port ?? 0, {
      method: "GET",
      path: "/scim/v2/Users",
      headers: [["X-Padding", "p".repeat(20_000)]],
    });
    expect(reply.status).toBe(431);
  });
});

/** The body sent chunked, with no Content-Length: the limit must hold while reading. */
async function chunked(method: string, path: string, headers: Array<[string, string]>, body: Buffer) {
  const { request } = await import("node:http");
  return new Promise<{ status: number }>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server?.port,
        method,
        path,
        headers: Object.fromEntries([...headers, ["Transfer-Encoding", "chunked"]]),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) =>
      e.code === "EPIPE" || e.code === "ECONNRESET" ? undefined : reject(e),
    );
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}
