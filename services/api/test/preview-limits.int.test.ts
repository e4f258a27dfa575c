import { describe, expect, test } from "vitest";
import { createTenant, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, code, message } from "./helpers/openapi.ts";
import { databaseState, previewCsv, previewJson, previewOf } from "./helpers/preview.ts";

const env = useTestEnv();
const api = apiClient(env);
let tenant: Tenant | undefined;
const company = async () => {
  tenant ??= await createTenant(env());
  return tenant.companyId;
};
const rows = (n: number, pad = "") =>
  ["login,firstName,lastName,title", ...Array.from({ length: n }, (_, i) => `u${i}@example.com,U,${i},${pad}`)].join(
    "\n",
  );

describe("preview input is bounded", () => {
  test("10,000 CSV rows are answered; 10,001 are 400 INVALID_CSV; nothing is written", async () => {
    const id = await company();
    const before = await databaseState(env());
    const ok = await previewCsv(env(), id, rows(10_000));
    expect(ok.status).toBe(200);
    const { users, totals } = previewOf(ok);
    expect(users).toHaveLength(10_000);
    expect(totals.users).toBe(10_000);
    // San Francisco has 10 Voice seats; the rest are bought (the default range has 9,900 extensions).
    expect(totals.refused).toEqual({ no_extension_available: 100 });
    expect(totals.seatsToBuy).toEqual([expect.objectContaining({ officeName: "San Francisco", count: 9_890 })]);
    const over = await previewCsv(env(), id, rows(10_001));
    expect([over.status, code(over)]).toEqual([400, "INVALID_CSV"]);
    expect(message(over)).toMatch(/more than 10,000 user rows/);
    expect(await databaseState(env())).toEqual(before);
  });

  test("JSON: 10,001 users or a body without a users array are 400 VALIDATION_FAILED", async () => {
    const id = await company();
    const many = Array.from({ length: 10_001 }, (_, i) => ({ userName: `j${i}@example.com` }));
    const over = await previewJson(env(), id, many);
    expect([over.status, code(over)]).toEqual([400, "VALIDATION_FAILED"]);
    expect(message(over)).toMatch(/at most 10,000 users/);
    const path = `/companies/${id}/provisioning/preview`;
    for (const body of [{}, { users: "x" }, []]) {
      expect(code(await api("POST", path, body))).toBe("VALIDATION_FAILED");
    }
    expect(code(await api("POST", path, undefined, { rawBody: "{" }))).toBe("INVALID_JSON");
  });

  test("the body may reach 16 MiB here (other routes keep 1 MiB); above it is 413", async () => {
    const id = await company();
    const padded = rows(3_000, "x".repeat(1_000));
    expect(padded.length).toBeGreaterThan(2 * 1024 * 1024);
    const ok = await previewCsv(env(), id, padded);
    expect([ok.status, previewOf(ok).totals.users]).toEqual([200, 3_000]);
    const huge = `login,title\n${"a@example.com,x\n".repeat(1_100_000)}`;
    expect(huge.length).toBeGreaterThan(16 * 1024 * 1024);
    const tooBig = await previewCsv(env(), id, huge);
    expect([tooBig.status, code(tooBig)]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    expect(message(tooBig)).toMatch(/16 MiB/);
    const other = await api("PATCH", `/companies/${id}`, undefined, { rawBody: JSON.stringify({ name: padded }) });
    expect([other.status, code(other)]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
  });

  test.each<[string, string, RegExp]>([
    ["an empty body", "", /empty/],
    ["no userName column", "firstName,lastName\nA,B", /no userName column/],
    ["two columns for one attribute", "login,userName\na,b", /"login" and "userName"/],
    ["an unclosed quote", 'login\n"a@example.com', /not valid CSV/],
    ["a row longer than the header", "login\na@example.com,extra", /more fields than the header/],
    [
      "too many columns",
      `login,${Array.from({ length: 200 }, (_, i) => `c${i}`).join(",")}\na`,
      /more than 200 columns/,
    ],
    ["a field too long", `login,title\na@example.com,${"t".repeat(4_097)}`, /longer than 4096 characters/],
    ["a row of 64 KiB", `login,title\na@example.com,"${"t".repeat(70_000)}"`, /not valid CSV/],
  ])("a CSV with %s is 400 INVALID_CSV naming the problem", async (_, csv, why) => {
    const reply = await previewCsv(env(), await company(), csv);
    expect([reply.status, code(reply)]).toEqual([400, "INVALID_CSV"]);
    expect(message(reply)).toMatch(why);
  });

  test("two previews at once per API process; a third is 429 PREVIEW_BUSY with Retry-After, then one runs again", async () => {
    const id = await company();
    const replies = await Promise.all([1, 2, 3].map(() => previewCsv(env(), id, rows(3))));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    const busy = replies.find((r) => r.status === 429);
    expect(busy && [code(busy), busy.headers.get("retry-after")]).toEqual(["PREVIEW_BUSY", "2"]);
    expect((await previewCsv(env(), id, rows(3))).status).toBe(200);
    // A refused preview (here 404) gives its place back too.
    await previewCsv(env(), "00000000-0000-0000-0000-000000000000", rows(1));
    expect((await Promise.all([1, 2].map(() => previewCsv(env(), id, rows(1))))).map((r) => r.status)).toEqual([
      200, 200,
    ]);
  });

  test("a header-only CSV previews nobody; another content type is 415", async () => {
    const id = await company();
    const empty = await previewCsv(env(), id, "login,email\n");
    expect(previewOf(empty).totals).toMatchObject({ users: 0, chargeCents: 0, refused: {} });
    const path = `/companies/${id}/provisioning/preview`;
    const plain = await api("POST", path, undefined, {
      rawBody: "login\na",
      headers: { "Content-Type": "text/plain" },
    });
    expect([plain.status, code(plain)]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
  });
});
