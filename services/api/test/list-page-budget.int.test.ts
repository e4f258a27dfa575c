import { expect, test } from "vitest";
import { MAX_LIST_BYTES } from "../src/use-cases/users/user-store.ts";
import { createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();

type Page = {
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources?: Array<{ id: string; userName: string }>;
};

/** Every page of `query` from startIndex 1, each next startIndex where the last page ended. */
async function walk(t: Tenant, query: string): Promise<{ pages: Page[]; ids: string[] }> {
  const pages: Page[] = [];
  const ids: string[] = [];
  for (let startIndex = 1; pages.length < 50; ) {
    const res = await scim(env(), t.token, "GET", `/Users?${query}&startIndex=${startIndex}`);
    expect(res.status, query).toBe(200);
    const page = res.body as unknown as Page;
    pages.push(page);
    expect(page.startIndex).toBe(startIndex);
    expect(page.Resources ?? []).toHaveLength(page.itemsPerPage);
    ids.push(...(page.Resources ?? []).map((r) => r.id));
    if (page.itemsPerPage === 0 || startIndex - 1 + page.itemsPerPage >= page.totalResults) break;
    startIndex += page.itemsPerPage;
  }
  return { pages, ids };
}

// A user's resource may be ~1 MiB and a page may ask for 1,000: a page stops at MAX_LIST_BYTES of
// resources (fewer items than count, RFC 7644 §3.4.2.4) and the next startIndex continues from there.
test("a page of large users stops early; startIndex walks every user once, on every list path", async () => {
  const t = await createTenant(env());
  const big = 12;
  // ~1 MB of one repeated character in a custom attribute: stored compressed in ~11 KB (a budget of
  // pg_column_size would let the whole page through), sent and parsed as ~1 MB.
  const filler = Array.from({ length: 62 }, () => "x".repeat(16_000));
  for (let i = 0; i < big; i++) {
    const res = await scim(env(), t.token, "POST", "/Users", oktaUser(`big.${i}@example.com`, { custom: { filler } }));
    expect(res.status, `big ${i} ${JSON.stringify(res.body).slice(0, 300)}`).toBe(201);
  }
  for (let i = 0; i < 3; i++) {
    expect((await scim(env(), t.token, "POST", "/Users", oktaUser(`small.${i}@example.com`))).status).toBe(201);
  }
  const all = await walk(t, "count=0");
  expect(all.pages[0]?.totalResults).toBe(big + 3);

  for (const query of [
    "count=1000",
    `count=1000&filter=${encodeURIComponent('userName sw "big."')}`,
    "count=1000&sortBy=userName&sortOrder=descending",
  ]) {
    const { pages, ids } = await walk(t, query);
    const total = pages[0]?.totalResults ?? 0;
    expect(total, query).toBe(query.includes("filter") ? big : big + 3);
    // Stopped early, yet every page carries at least one user and about MAX_LIST_BYTES at most.
    expect(pages.length, query).toBeGreaterThan(1);
    for (const page of pages) {
      expect(page.totalResults, query).toBe(total);
      expect(page.itemsPerPage, query).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(page).length, query).toBeLessThan(MAX_LIST_BYTES + 1_100_000);
      const large = (page.Resources ?? []).filter((r) => r.userName.startsWith("big."));
      expect(large.length, query).toBeLessThanOrEqual(Math.ceil(MAX_LIST_BYTES / 1_000_000));
    }
    // No gap, no repeat: the walk meets each user once.
    expect(new Set(ids).size, query).toBe(ids.length);
    expect(ids.length, query).toBe(total);
  }
}, 60_000);

test("a page of ordinary users is unchanged: count items, in order, on every list path", async () => {
  const t = await createTenant(env());
  for (let i = 0; i < 25; i++) {
    expect((await scim(env(), t.token, "POST", "/Users", oktaUser(`user.${i}@example.com`))).status).toBe(201);
  }
  for (const query of ["", `&filter=${encodeURIComponent('userName sw "user."')}`, "&sortBy=userName"]) {
    const first = await scim(env(), t.token, "GET", `/Users?count=10${query}`);
    expect(first.body, query).toMatchObject({ totalResults: 25, itemsPerPage: 10, startIndex: 1 });
    const whole = await scim(env(), t.token, "GET", `/Users?count=1000${query}`);
    expect(whole.body, query).toMatchObject({ totalResults: 25, itemsPerPage: 25 });
    const { pages, ids } = await walk(t, `count=10${query}`);
    expect(
      pages.map((p) => p.itemsPerPage),
      query,
    ).toEqual([10, 10, 5]);
    expect(ids, query).toEqual((whole.body.Resources as Array<{ id: string }>).map((r) => r.id));
  }
});
