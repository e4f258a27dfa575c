// `pnpm start`: the demo on a fresh machine. Starts the API (which creates the database
// if needed and migrates it), seeds a demo company once, issues a SCIM token, prints what
// an Okta admin needs, then runs the worker too. Ctrl-C stops both gracefully and exits 0
// (`pnpm start` runs this script with `exec`, so no shell in between turns Ctrl-C into a failure).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (existsSync(join(root, ".env"))) process.loadEnvFile(join(root, ".env"));
const statePath = process.env.SCIMLINE_DEMO_STATE ?? join(root, ".scimline-demo.json");
const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, "utf8")) : {};

// .env.example's admin key: production mode refuses it, so the demo uses its own instead.
const EXAMPLE_ADMIN_API_KEY = "dev-admin-key-change-me-0000";
if (process.env.ADMIN_API_KEY === EXAMPLE_ADMIN_API_KEY) {
  console.log("demo: ADMIN_API_KEY is .env.example's example key; using the demo's own key instead");
  delete process.env.ADMIN_API_KEY;
}
const env = {
  ...process.env,
  NODE_ENV: process.env.NODE_ENV ?? "production",
  PORT: process.env.PORT ?? "8080",
  DATABASE_URL: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/scimline",
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  ADMIN_API_KEY: process.env.ADMIN_API_KEY ?? state.adminKey ?? `adm_${randomBytes(24).toString("base64url")}`,
  // Production mode requires it; kept with the demo's state so passwords sealed last run still open.
  PASSWORD_ENCRYPTION_KEY:
    process.env.PASSWORD_ENCRYPTION_KEY ?? state.passwordKey ?? randomBytes(32).toString("base64"),
  // Likewise: webhook signing secrets are sealed with it.
  WEBHOOK_SECRET_KEY: process.env.WEBHOOK_SECRET_KEY ?? state.webhookKey ?? randomBytes(32).toString("base64"),
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
};
const base = process.env.PUBLIC_BASE_URL?.replace(/\/+$/, "") ?? `http://localhost:${env.PORT}`;
const children = [];
let stopping = false;

function run(name, dir) {
  const child = spawn(process.execPath, ["--enable-source-maps", "dist/main.js"], {
    cwd: join(root, dir),
    env,
    stdio: "inherit",
  });
  child.on("exit", (code, signal) => {
    console.log(`${name} exited (${signal ?? code})`);
    // One process ending on its own is a failure; after Ctrl-C only a failed shutdown is.
    if (!stopping) process.exitCode = code || 1;
    else if (code) process.exitCode = code;
    stopAll();
  });
  children.push(child);
  return child;
}

async function admin(method, path, body, allowed = [404]) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${env.ADMIN_API_KEY}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.status === 204 ? {} : await res.json();
  if (!res.ok && !allowed.includes(res.status))
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return { status: res.status, body: json };
}

async function waitForApi(api) {
  for (let i = 0; i < 150 && api.exitCode === null; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the API did not answer on ${base}`);
}

async function seed() {
  if (state.companyId && (await admin("GET", `/companies/${state.companyId}`)).status === 200) return;
  const company = (
    await admin("POST", "/companies", { name: "Demo Company", country: "US", defaultAreaCode: "415", billingDay: 1 })
  ).body;
  const sf = (
    await admin("POST", `/companies/${company.id}/offices`, {
      name: "San Francisco",
      country: "US",
      main: true,
      seats: { "Dialpad_Ai Voice": 5, Dialpad_Support: 2, "Dialpad_Ai Sales": 2 },
    })
  ).body;
  const ny = (
    await admin("POST", `/companies/${company.id}/offices`, {
      name: "New York",
      country: "US",
      seats: { "Dialpad_Ai Voice": 3 },
    })
  ).body;
  await admin("POST", `/companies/${company.id}/offices`, {
    name: "London",
    country: "GB",
    seats: { "Dialpad_Ai Voice": 2 },
  });
  const range = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
  const addNumbers = async (numbers, officeId) => {
    const res = await admin("POST", `/companies/${company.id}/numbers`, { numbers, officeId }, [409]);
    // Numbers are unique across companies: an earlier demo company in this database (its state file
    // gone) holds them, so this one gets its numbers from the sandbox carrier instead.
    if (res.status === 409 && res.body.error?.code !== "NUMBER_EXISTS") throw new Error(JSON.stringify(res.body));
  };
  await addNumbers(range("+141555502", 10), sf.id);
  await addNumbers(range("+121255502", 5), ny.id);
  await addNumbers(range("+165055502", 3));
  const directory = (await admin("POST", `/companies/${company.id}/directories`, { name: "Okta" })).body;
  Object.assign(state, { companyId: company.id, directoryId: directory.id });
}

function stopAll() {
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
}
// A terminal's Ctrl-C reaches every process of the group (pnpm forwards it too): the API and the
// worker stop gracefully on it; a second Ctrl-C after the first one is already handled repeats SIGTERM.
process.on("SIGINT", stopAll);
process.on("SIGTERM", stopAll);

async function main() {
  let token;
  try {
    await waitForApi(run("api", "services/api"));
    await seed();
    token = (await admin("POST", `/directories/${state.directoryId}/tokens`)).body.token;
  } catch (error) {
    if (stopping) return; // Ctrl-C while starting, or the API ended (its own output says why)
    console.error(`demo: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
    stopAll();
    return;
  }
  if (stopping) return;
  state.adminKey = env.ADMIN_API_KEY;
  state.passwordKey = env.PASSWORD_ENCRYPTION_KEY;
  state.webhookKey = env.WEBHOOK_SECRET_KEY;
  writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  run("worker", "services/worker");

  console.log(`
  Scimline demo is running.

  SCIM base URL   ${base}/scim/v2
  SCIM token      ${token}
  Admin API       ${base}/api/v1   (Authorization: Bearer <admin key>)
  Admin key       ${env.ADMIN_API_KEY}
  OpenAPI         ${base}/api/v1/openapi.json
  Dashboard       ${base}/admin/queues   (user admin, password the admin key)
  Overview        ${base}/admin
  Metrics         ${base}/metrics   (worker: http://localhost:${env.WORKER_METRICS_PORT ?? "9464"}/metrics)
  Demo company    ${state.companyId}

  Try:  curl -H "Authorization: Bearer ${token}" ${base}/scim/v2/Users
  Ctrl-C stops the API and the worker.
`);
}

await main();
