// Runs Okta's own SCIM 2.0 SPEC test (its Runscope export) against a running server:
//   pnpm conformance:okta --url http://localhost:8080/scim/v2 --token scim_…
// Prints each step and exits non-zero when a required step fails.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { oktaSpecVariables, runOktaSpecTest } from "./runscope.ts";

const { values } = parseArgs({ options: { url: { type: "string" }, token: { type: "string" } } });
if (!values.url || !values.token) {
  console.error("usage: okta-spec-test --url <SCIM base URL> --token <bearer token>");
  process.exit(2);
}
const base = values.url.replace(/\/+$/, "");
const auth = `Bearer ${values.token}`;

// The first step expects at least one user, as in a real org.
const probe = await fetch(`${base}/Users?count=1`, { headers: { Authorization: auth } });
if (((await probe.json()) as { totalResults?: number }).totalResults === 0) {
  const seed = `okta.spec.seed.${randomUUID().slice(0, 8)}@example.com`;
  await fetch(`${base}/Users`, {
    method: "POST",
    headers: { Authorization: auth, "Content-Type": "application/scim+json" },
    body: JSON.stringify({
      userName: seed,
      name: { givenName: "Seed", familyName: "User" },
      emails: [{ value: seed, primary: true, type: "work" }],
      active: true,
    }),
  });
}

const file = fileURLToPath(new URL("../test/fixtures/okta/runscope-spec-test.json", import.meta.url));
const results = await runOktaSpecTest(file, (url, init) => fetch(url, init), oktaSpecVariables(base, values.token));
let failed = 0;
for (const r of results) {
  const ok = r.failures.length === 0;
  if (!ok && r.note.startsWith("Required")) failed++;
  console.log(`${ok ? "PASS" : "FAIL"}  ${r.status}  ${r.note}${ok ? "" : `\n      ${r.failures.join("\n      ")}`}`);
}
console.log(
  failed === 0 ? `\nOkta SPEC test: all ${results.length} steps pass` : `\n${failed} required step(s) failed`,
);
process.exit(failed === 0 ? 0 : 1);
