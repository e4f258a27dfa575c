// The README's demo command end to end, as CI runs it: `pnpm start` (set-up, build, migrate, seed),
// a SCIM create through the printed URL and token until the worker made the user active, then
// Ctrl-C (SIGINT to the process group, as a terminal sends it): exit 0, no `ELIFECYCLE` line.
// Free ports and a state file of its own, so a demo already running here is left alone.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TELEPHONY = "urn:scimline:params:scim:schemas:extension:telephony:2.0:User";
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const seconds = (from) => ((Date.now() - from) / 1000).toFixed(1);

const env = {
  ...process.env,
  PORT: String(await freePort()),
  WORKER_METRICS_PORT: String(await freePort()),
  SCIMLINE_DEMO_STATE: join(mkdtempSync(join(tmpdir(), "scimline-smoke-")), "demo.json"),
};
let output = "";
const child = spawn("pnpm", ["start"], { detached: true, env, stdio: ["ignore", "pipe", "pipe"] });
child.stdout.on("data", (chunk) => {
  output += chunk;
});
child.stderr.on("data", (chunk) => {
  output += chunk;
});
const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));

function fail(message) {
  console.error(`${output}\nsmoke-start: FAILED: ${message}`);
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {}
  process.exit(1);
}

async function waitFor(what, check, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await check();
    if (value) return value;
    if (child.exitCode !== null) fail(`pnpm start exited (${child.exitCode}) while waiting for ${what}`);
    await sleep(250);
  }
  fail(`no ${what} within ${timeoutMs / 1000} s`);
}

const [, base, token] = await waitFor(
  "SCIM URL and token",
  () => /SCIM base URL\s+(\S+)\s+SCIM token\s+(\S+)/.exec(output),
  300_000,
);
const ready = seconds(started);
const scim = async (method, path, body) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};

const userName = `smoke.${Date.now()}@example.com`;
const created = await scim("POST", "/Users", {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  userName,
  name: { givenName: "Smoke", familyName: "Test" },
  emails: [{ value: userName, primary: true, type: "work" }],
  active: true,
});
if (created.status !== 201) fail(`POST /Users answered ${created.status} ${JSON.stringify(created.body)}`);
const createdAt = Date.now();
const user = await waitFor(
  "active user",
  async () => {
    const got = await scim("GET", `/Users/${created.body.id}`);
    return got.body[TELEPHONY]?.status === "active" && got.body[TELEPHONY];
  },
  60_000,
);
const provisioned = seconds(createdAt);

const stopAt = Date.now();
process.kill(-child.pid, "SIGINT");
const timer = setTimeout(() => fail("pnpm start still running 60 s after Ctrl-C"), 60_000);
const { code, signal } = await exited;
clearTimeout(timer);
if (code !== 0) fail(`pnpm start ended with ${signal ?? `exit code ${code}`} after Ctrl-C`);
if (output.includes("ELIFECYCLE")) fail("an ELIFECYCLE line after Ctrl-C");
if (!/api exited \(0\)/.test(output) || !/worker exited \(0\)/.test(output)) fail("API or worker did not exit 0");

for (const line of output.split("\n")) if (line.startsWith("setup: ")) console.log(line);
console.log(
  `smoke-start: pnpm start ready in ${ready} s; ${userName} active in ${provisioned} s ` +
    `(DID ${user.did ?? user.phoneNumber ?? "?"}, extension ${user.extension ?? "?"}); ` +
    `Ctrl-C: exit 0 in ${seconds(stopAt)} s, no ELIFECYCLE`,
);
