import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { oktaSpecVariables, runOktaSpecTest } from "../scripts/runscope.ts";
import { createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const file = fileURLToPath(new URL("./fixtures/okta/runscope-spec-test.json", import.meta.url));

test("Okta's SCIM 2.0 SPEC test (its Runscope export) passes every required and optional step", async () => {
  const tenant = await createTenant(env());
  // The first step expects at least one user to exist, as in a real org.
  expect((await scim(env(), tenant.token, "POST", "/Users", oktaUser("existing.person@example.com"))).status).toBe(201);
  const results = await runOktaSpecTest(
    file,
    (url, init) => Promise.resolve(env().app.request(url, init)),
    oktaSpecVariables("http://localhost/scim/v2", tenant.token),
  );
  expect(results.length).toBe(12);
  expect(results.filter((r) => r.failures.length > 0)).toEqual([]);
});
