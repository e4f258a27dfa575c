import { expect, test } from "vitest";
import { createTenant, oktaUser, scim } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";

const env = useTestEnv();
const q = (filter: string, rest = "") => `?filter=${encodeURIComponent(filter)}${rest}`;

// A filtered page carries its total on its rows (count(*) over ()); a page past the end has none to carry it.
test("filtered and sorted lists report totalResults on every page, past the end and with count=0", async () => {
  const t = await createTenant(env());
  for (const name of ["team.a", "team.b", "team.c", "solo.d", "solo.e"]) {
    expect((await scim(env(), t.token, "POST", "/Users", oktaUser(`${name}@example.com`))).status).toBe(201);
  }
  const cases: Array<[string, { totalResults: number; itemsPerPage: number; startIndex: number }]> = [
    [q('userName sw "team."', "&startIndex=1&count=2"), { totalResults: 3, itemsPerPage: 2, startIndex: 1 }],
    [q('userName sw "team."', "&startIndex=3&count=2"), { totalResults: 3, itemsPerPage: 1, startIndex: 3 }],
    [q('userName sw "team."', "&startIndex=4&count=2"), { totalResults: 3, itemsPerPage: 0, startIndex: 4 }],
    [q('userName sw "team."', "&startIndex=100"), { totalResults: 3, itemsPerPage: 0, startIndex: 100 }],
    [q('userName sw "team."', "&count=0"), { totalResults: 3, itemsPerPage: 0, startIndex: 1 }],
    [q('userName eq "TEAM.B@example.com"'), { totalResults: 1, itemsPerPage: 1, startIndex: 1 }],
    [q('userName eq "TEAM.B@example.com"', "&startIndex=2"), { totalResults: 1, itemsPerPage: 0, startIndex: 2 }],
    [q('userName eq "TEAM.B@example.com"', "&count=0"), { totalResults: 1, itemsPerPage: 0, startIndex: 1 }],
    [q('userName eq "nobody@example.com"'), { totalResults: 0, itemsPerPage: 0, startIndex: 1 }],
    [q('userName eq "nobody@example.com"', "&startIndex=5"), { totalResults: 0, itemsPerPage: 0, startIndex: 5 }],
    ["?sortBy=userName&startIndex=2&count=2", { totalResults: 5, itemsPerPage: 2, startIndex: 2 }],
    ["?sortBy=userName&startIndex=9&count=2", { totalResults: 5, itemsPerPage: 0, startIndex: 9 }],
  ];
  for (const [query, expected] of cases) {
    const res = await scim(env(), t.token, "GET", `/Users${query}`);
    expect(res.status, query).toBe(200);
    expect(res.body, query).toMatchObject(expected);
    expect(res.body.Resources ?? [], query).toHaveLength(expected.itemsPerPage);
    for (const r of (res.body.Resources ?? []) as Array<Record<string, unknown>>) expect(r).not.toHaveProperty("total");
  }
  const sorted = await scim(env(), t.token, "GET", "/Users?sortBy=userName&startIndex=2&count=2");
  expect((sorted.body.Resources as Array<{ userName: string }>).map((r) => r.userName)).toEqual([
    "solo.e@example.com",
    "team.a@example.com",
  ]);
});

// `userName eq "…"` alone has its own prepared statement; any other spelling takes the general filter path.
test("the userName look-up answers exactly as the general filter path does", async () => {
  const t = await createTenant(env());
  const created = await scim(env(), t.token, "POST", "/Users", oktaUser("Look.Up@example.com"));
  expect(created.status).toBe(201);
  for (const name of ["look.up@EXAMPLE.com", "nobody@example.com"]) {
    const fast = await scim(env(), t.token, "GET", `/Users${q(`userName eq "${name}"`)}`);
    const general = await scim(env(), t.token, "GET", `/Users${q(`(userName eq "${name}")`)}`);
    const qualified = await scim(
      env(),
      t.token,
      "GET",
      `/Users${q(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "${name}"`)}`,
    );
    expect(fast.status).toBe(200);
    expect(fast.body).toEqual(general.body);
    expect(qualified.body).toEqual(general.body);
  }
  const found = await scim(env(), t.token, "GET", `/Users${q('userName eq "look.up@example.com"')}`);
  expect(found.body.Resources).toEqual([created.body]);
});

test("filtered group lists report totalResults the same way", async () => {
  const t = await createTenant(env());
  for (const name of ["Sales East", "Sales West", "Support"]) {
    const res = await scim(env(), t.token, "POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: name,
    });
    expect(res.status).toBe(201);
  }
  const cases: Array<[string, { totalResults: number; itemsPerPage: number }]> = [
    [q('displayName sw "Sales"', "&count=1"), { totalResults: 2, itemsPerPage: 1 }],
    [q('displayName sw "Sales"', "&startIndex=3"), { totalResults: 2, itemsPerPage: 0 }],
    [q('displayName eq "Nope"'), { totalResults: 0, itemsPerPage: 0 }],
    ["?sortBy=displayName&startIndex=4", { totalResults: 3, itemsPerPage: 0 }],
  ];
  for (const [query, expected] of cases) {
    const res = await scim(env(), t.token, "GET", `/Groups${query}`);
    expect(res.status, query).toBe(200);
    expect(res.body, query).toMatchObject(expected);
  }
});
