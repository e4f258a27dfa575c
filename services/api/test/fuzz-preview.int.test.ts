import fc from "fast-check";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { admin, createTenant, type Tenant } from "./helpers/clients.ts";
import { ADMIN_KEY, useTestEnv } from "./helpers/env.ts";
import { tableSnapshot } from "./helpers/fuzz-admin-shapes.ts";
import { fuzzOptions, hostileJson, hostileString, hostileUser } from "./helpers/fuzz-arbitraries.ts";
import { expectSane, printTally, rawRequest, serveApp } from "./helpers/fuzz-http.ts";

// Property-based: the preview with hostile CSV and JSON, over a real socket (bytes as sent).
// Never a 5xx; a 200 answers every user; nothing is ever written.
vi.setConfig({ testTimeout: 180_000 });
const env = useTestEnv();
let server: Awaited<ReturnType<typeof serveApp>> | undefined;
let tenants: Tenant[] = [];
beforeAll(async () => {
  const offices: Array<{ name: string; country: string; main?: boolean; seats: Record<string, number> }> = [
    { name: "HQ", country: "US", main: true, seats: { "Dialpad_Ai Voice": 2 } },
    { name: "Berlin", country: "DE", seats: { Dialpad_Support: 1 } },
  ];
  tenants = [
    await createTenant(env(), { offices }),
    await createTenant(env(), { offices, company: { autoPurchaseLicenses: false } }),
  ];
  await admin(env(), "POST", `/companies/${tenants[0]?.companyId}/numbers`, { numbers: ["+14155550100"] });
  server = await serveApp(env());
});
afterAll(async () => {
  printTally("preview");
  await server?.close();
});

const COLUMNS = ["login", "userName", "firstName", "email", "officeName", "department", "countryCode", "licenseType"];
const field = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("a@x.io", "HQ", "Berlin", "DE", "us", "Dialpad_Support", "n/a", "") },
  { weight: 3, arbitrary: hostileString.map((s) => s.slice(0, 5_000)) },
);
const quoted = (s: string) => (/[",\r\n]/.test(s) || s.startsWith(" ") ? `"${s.replaceAll('"', '""')}"` : s);
const csvText = fc
  .record({
    login: fc.boolean(),
    fit: fc.boolean(),
    header: fc.array(
      fc.oneof(
        fc.constantFrom(...COLUMNS),
        hostileString.map((s) => s.slice(0, 50)),
      ),
      {
        maxLength: 9,
      },
    ),
    rows: fc.array(fc.array(field, { maxLength: 10 }), { maxLength: 12 }),
    newline: fc.constantFrom("\n", "\r\n", "\r"),
    bom: fc.boolean(),
    quote: fc.boolean(),
    tail: fc.constantFrom("", '"', ",", "\n\n\n", '"a""b'),
  })
  .map(({ login, fit, header, rows, newline, bom, quote, tail }) => {
    const line = (cells: string[]) => cells.map((c) => (quote ? quoted(c) : c)).join(",");
    const names = login ? ["login", ...header.filter((h) => !/^(login|username)$/i.test(h))] : header;
    const cells = fit ? rows.map((r) => r.slice(0, names.length)) : rows;
    return `${bom ? "\ufeff" : ""}${[names, ...cells].map(line).join(newline)}${tail}`;
  });

const body = fc.oneof(
  { weight: 5, arbitrary: csvText.map((text) => ({ type: "text/csv", bytes: Buffer.from(text) })) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 300 })
      .map((b) => ({ type: "text/csv; charset=utf-8", bytes: Buffer.from(b) })),
  },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof({ weight: 3, arbitrary: hostileUser }, { weight: 1, arbitrary: hostileJson }), { maxLength: 8 })
      .map((users) => ({ type: "application/json", bytes: Buffer.from(JSON.stringify({ users })) })),
  },
  {
    weight: 1,
    arbitrary: hostileJson.map((v) => ({ type: "application/json", bytes: Buffer.from(JSON.stringify(v) ?? "") })),
  },
);

test("hostile CSV and JSON previews: never a 5xx, every user answered, nothing written", async () => {
  const before = await tableSnapshot(env().database.sql);
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: 1 }), body, async (which, { type, bytes }) => {
      const companyId = tenants[which]?.companyId ?? "";
      const path = `/api/v1/companies/${companyId}/provisioning/preview`;
      const reply = await rawRequest(server?.port ?? 0, {
        method: "POST",
        path,
        headers: [
          ["Authorization", `Bearer ${ADMIN_KEY}`],
          ["Content-Type", type],
        ],
        body: bytes,
      });
      const answer = expectSane(reply, `POST ${path}`);
      if (reply.status !== 200) return;
      const users = answer?.users as Array<{ seat: string; refusal: { code: string } | null }>;
      const totals = answer?.totals as { users: number; refused: Record<string, number> };
      expect(users.length).toBe(totals.users);
      const refused = users.filter((u) => u.refusal !== null).length;
      expect(Object.values(totals.refused).reduce((a, b) => a + b, 0)).toBe(refused);
      if (type === "application/json") {
        const sent = (JSON.parse(bytes.toString()) as { users: unknown[] }).users;
        expect(users).toHaveLength(sent.length);
      }
    }),
    fuzzOptions(1515, 250),
  );
  expect(await tableSnapshot(env().database.sql)).toBe(before);
});
