import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

// Postgres runs with trust auth and Redis without a password: published on every interface,
// anyone on the network could read and change everything.
test("docker-compose.yml publishes Postgres and Redis on the loopback interface only", () => {
  const compose = readFileSync(new URL("../../../docker-compose.yml", import.meta.url), "utf8");
  const published = [...compose.matchAll(/ports:\s*\[([^\]]*)\]/g)].flatMap((m) =>
    (m[1] ?? "").split(",").map((p) => p.trim().replace(/^"|"$/g, "")),
  );
  expect(published).toEqual(["127.0.0.1:5432:5432", "127.0.0.1:6379:6379"]);
  expect(compose).not.toMatch(/^\s*-\s*"?\d+:\d+/m);
});
