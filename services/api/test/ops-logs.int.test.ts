import { passwordSealKey } from "@scimline/db";
import { testRedisConnection } from "@scimline/db/testing";
import { createRuntime, type Runtime, SandboxCarrier } from "@scimline/worker";
import pino from "pino";
import { afterAll, expect, test } from "vitest";
import { createApp } from "../src/app.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { eventually } from "./helpers/worker.ts";

// Every line the API and the worker write during a whole lifecycle goes into `lines`.
const lines: string[] = [];
const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
const env = useTestEnv({ logger });
let runtime: Runtime | undefined;
afterAll(async () => {
  await runtime?.queue.obliterate({ force: true });
  await runtime?.stop();
});

const PASSWORDS = ["Okta-Initial-P@ss-1!", "Changed-By-Patch-2?", "Replaced-By-Put-3#"];
const EMAIL = "secret.person@example.com";

test("a full lifecycle logs one JSON line per request and per job, and never a token, password, key or Authorization value", async () => {
  runtime = createRuntime({
    sql: env().database.sql,
    connection: testRedisConnection(),
    prefix: env().deps.config.QUEUE_PREFIX,
    carrier: new SandboxCarrier(env().database.sql, 100),
    logger: logger.child({ service: "worker" }),
    clock: () => new Date(),
    passwordKey: passwordSealKey(undefined, ADMIN_KEY),
    concurrency: 10,
    batchSize: 10,
    batchConcurrency: 1,
    attempts: 3,
    backoffMs: 50,
    relayIntervalMs: 10,
    relayBatch: 100,
  });
  runtime.start();
  const app = createApp(env().deps);
  const authorizations: string[] = [];
  const call = async (method: string, path: string, authorization: string, body?: unknown) => {
    authorizations.push(authorization);
    const res = await app.request(path, {
      method,
      headers: { Authorization: authorization, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = res.headers.get("content-type")?.includes("json") && text;
    return { status: res.status, body: json ? JSON.parse(text) : {} };
  };
  const adminAuth = `Bearer ${ADMIN_KEY}`;

  const company = await call("POST", "/api/v1/companies", adminAuth, {
    name: "Logs",
    country: "US",
    defaultAreaCode: "415",
  });
  const companyId = company.body.id as string;
  await call("POST", `/api/v1/companies/${companyId}/offices`, adminAuth, {
    name: "HQ",
    country: "US",
    seats: { "Dialpad_Ai Voice": 2 },
  });
  const directory = await call("POST", `/api/v1/companies/${companyId}/directories`, adminAuth, { name: "Okta" });
  const issued = await call("POST", `/api/v1/directories/${directory.body.id}/tokens`, adminAuth);
  const token = issued.body.token as string;
  expect(token).toMatch(/^scim_/);
  const bearer = `Bearer ${token}`;

  const created = await call("POST", "/scim/v2/Users", bearer, {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName: EMAIL,
    name: { givenName: "Secret", familyName: "Person" },
    emails: [{ primary: true, value: EMAIL, type: "work" }],
    password: PASSWORDS[0],
    active: true,
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await eventually(
    async () =>
      (await call("GET", `/scim/v2/Users/${id}`, bearer)).body[
        "urn:scimline:params:scim:schemas:extension:telephony:2.0:User"
      ]?.status === "active",
  );
  const patch = {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", value: { password: PASSWORDS[1] } }],
  };
  expect((await call("PATCH", `/scim/v2/Users/${id}`, bearer, patch)).status).toBe(200);
  const put = { ...created.body, password: PASSWORDS[2] };
  expect((await call("PUT", `/scim/v2/Users/${id}`, bearer, put)).status).toBe(200);
  expect(
    (await call("GET", `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${EMAIL}"`)}`, bearer)).status,
  ).toBe(200);
  // Failures must not leak either: a bad token, a wrong admin key, bad JSON with a password inside.
  expect((await call("GET", "/scim/v2/Users", "Bearer scim_not-a-real-token-0123456789")).status).toBe(401);
  expect((await call("GET", `/api/v1/companies/${companyId}`, "Bearer wrong-admin-key-0123456789")).status).toBe(401);
  const bad = await app.request("/scim/v2/Users", {
    method: "POST",
    headers: { Authorization: bearer },
    body: `{"password":"${PASSWORDS[0]}",`,
  });
  expect(bad.status).toBe(400);
  const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString("base64")}`;
  expect((await call("GET", "/admin", basic)).status).toBe(200);
  expect((await call("GET", "/admin/queues/api/queues", basic)).status).toBe(200);
  expect((await call("POST", "/api/v1/jobs/u_nope_g1/retry", adminAuth)).status).toBe(404);
  expect((await call("DELETE", `/scim/v2/Users/${id}`, bearer)).status).toBe(204);
  await eventually(
    async () => lines.some((l) => l.includes('"job completed"') && l.includes(`u_${id}_g`)),
    20_000,
    "job logs",
  );

  const secrets = [
    token,
    ADMIN_KEY,
    ...PASSWORDS,
    "scim_not-a-real-token-0123456789",
    "wrong-admin-key-0123456789",
    ...authorizations,
    Buffer.from(`admin:${ADMIN_KEY}`).toString("base64"),
    EMAIL,
    encodeURIComponent(EMAIL),
  ];
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const requests = parsed.filter((l) => l.msg === "request");
  expect(requests.length).toBeGreaterThanOrEqual(15);
  for (const line of requests) {
    expect(line).toMatchObject({
      requestId: expect.any(String),
      method: expect.any(String),
      route: expect.any(String),
    });
    expect(typeof line.status).toBe("number");
    expect(typeof line.durationMs).toBe("number");
    expect(String(line.route)).not.toContain(id);
  }
  expect(parsed.some((l) => l.msg === "job completed" && String(l.jobId).startsWith(`u_${id}_g`))).toBe(true);
  for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
});
