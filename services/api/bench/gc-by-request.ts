// What the API's young-generation collections promote, by kind of request: one API process (or the bare
// server) under 100 connections of one request kind, run with --trace-gc-nvp, and the median per
// scavenge of what was allocated, what survived and what was promoted to the old generation (where only
// a mark-compact frees it). A request's objects should die young; bytes promoted by every scavenge are
// objects living across two of them (~30–45 ms apart at the door's rates), and the mark-compacts that
// follow stall every request in flight.
//   pnpm exec tsx bench/gc-by-request.ts create|lookup|discovery [--build dist/main.js] [--node-args "…"]
//   pnpm exec tsx bench/gc-by-request.ts lookup --build bench/bare-door.mjs   (the bare server's floor)
// Environment passes through to the server (REQUEST_LOG_ENABLED=false, REQUEST_LOG_FLUSH_MS=60000, …).
import { spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import {
  adminClient,
  benchArgs,
  freshDatabase,
  hammer,
  nodeArgs,
  oktaBody,
  root,
  serviceEnv,
  stop,
  waitHealthy,
} from "./lib.ts";
import { setupCompany } from "./seed.ts";

const { values: o, positionals } = parseArgs({
  args: benchArgs(),
  allowPositionals: true,
  options: {
    build: { type: "string", default: "dist/main.js" },
    "node-args": { type: "string", default: "" },
    duration: { type: "string", default: "10" },
    c: { type: "string", default: "100" },
  },
});
const kind = positionals[0] ?? "create";
if (!["create", "lookup", "discovery"].includes(kind)) throw new Error(`unknown request kind ${kind}`);
const bare = o.build.includes("bare-door");
if (bare && kind === "discovery") throw new Error("the bare server answers creates and look-ups only");

const database = await freshDatabase("scimline_bench_gc");
const PORT = Number(process.env.BENCH_PORT ?? 8380);
const base = `http://127.0.0.1:${PORT}`;
const env = { ...serviceEnv(database), PORT: String(PORT), LOG_LEVEL: "error" };
if (bare) {
  // The bare server's look-up reads `users`; a table of that shape, empty: each look-up finds no one.
  const sql = postgres(database, { onnotice() {} });
  await sql`create table users (id uuid primary key default gen_random_uuid(), company_id uuid, user_name text,
    deleted_at timestamptz, resource jsonb)`;
  await sql`create index on users (company_id, lower(user_name))`;
  await sql.end();
}
const nvp = join("/tmp", `gc-by-request.${process.pid}.nvp`);
const server = spawn(process.execPath, ["--trace-gc-nvp", ...nodeArgs(o["node-args"]), o.build], {
  cwd: join(root, "services/api"),
  env: { ...process.env, ...env },
  stdio: ["ignore", openSync(nvp, "w"), "inherit"],
});
try {
  await waitHealthy(bare ? `${base}/scim/v2/Users` : `${base}/healthz`, server);
  const token = bare
    ? "none"
    : (await setupCompany(adminClient(base, env.ADMIN_API_KEY), { name: "GC", seats: 0, numbers: 0, start: 100000 }))
        .token;
  const body = oktaBody(`gc${Date.now()}`, "HQ");
  let i = 0;
  const request =
    kind === "create"
      ? {
          url: `${base}/scim/v2/Users`,
          method: "POST" as const,
          requests: [{ setupRequest: (r: Record<string, unknown>) => ({ ...r, body: body(i++) }) }],
        }
      : kind === "lookup"
        ? { url: `${base}/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}` }
        : { url: `${base}/scim/v2/ServiceProviderConfig` };
  const result = await hammer({
    ...request,
    headers: { "Content-Type": "application/scim+json", Authorization: `Bearer ${token}` },
    connections: Number(o.c),
    duration: Number(o.duration),
  });
  await stop(server);
  // The last 200 scavenges: the load's, not start-up's.
  const scavenges = readFileSync(nvp, "utf8")
    .split("\n")
    .filter((line) => line.includes(" gc=s "))
    .slice(-200)
    .map((line) => {
      const field = (name: string) => Number(new RegExp(` ${name}=([0-9.]+)`).exec(line)?.[1]);
      return {
        allocated: field("allocated"),
        survived: field("new_space_survived"),
        promoted: field("promoted"),
        pause: field("pause"),
      };
    });
  const median = (key: keyof (typeof scavenges)[number]) => {
    const sorted = scavenges.map((s) => s[key]).sort((a, b) => a - b);
    return sorted[sorted.length >> 1] ?? 0;
  };
  const kb = (bytes: number) => Math.round(bytes / 1024);
  console.log(
    `${kind} on ${o.build}: ${Math.round(result.requests.average)} requests/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx`,
  );
  console.log(
    `median of ${scavenges.length} scavenges: allocated ${kb(median("allocated"))} KB, survived ${kb(median("survived"))} KB, promoted ${kb(median("promoted"))} KB, pause ${median("pause")} ms; mark-compacts: ${readFileSync(nvp, "utf8").split(" gc=mc ").length - 1} (log: ${nvp})`,
  );
} finally {
  await stop(server);
}
