import { describe, expect, test } from "vitest";
import { type AdminClient, createTenant, oktaUser, scim, type Tenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient, call, type Reply } from "./helpers/openapi.ts";
import { eventually } from "./helpers/worker.ts";

// Opaque cursors decode to values a query casts (`::bigint`, `::xid8`, `::timestamptz`): one out of
// range is a malformed cursor, 400 VALIDATION_FAILED like any other, never a 500 from Postgres.
const env = useTestEnv();
const api = apiClient(env);
const client: AdminClient = (e, method, path, body) => call(e, method, path, body);
const b64 = (text: string) => Buffer.from(text).toString("base64url");

const refused = (res: Reply, field: string) => {
  expect(res.status, res.text).toBe(400);
  expect(res.body).toEqual({
    error: { code: "VALIDATION_FAILED", message: expect.stringContaining(field), requestId: expect.any(String) },
  });
};

/** A tenant with three users created through SCIM: three `user.accepted` events, three log lines. */
let shared: Promise<{ t: Tenant; userIds: string[] }> | undefined;
const setup = () => {
  shared ??= (async () => {
    const t = await createTenant(env(), { client });
    const userIds: string[] = [];
    for (const name of ["ann", "ben", "cat"]) {
      const res = await scim(env(), t.token, "POST", "/Users", oktaUser(`${name}@example.com`));
      expect(res.status).toBe(201);
      userIds.push(res.body.id as string);
    }
    return { t, userIds };
  })();
  return shared;
};

describe("GET /companies/{id}/users/{userId}/events?cursor=", () => {
  test.each([
    ["2^63", b64("9223372036854775808")],
    ["19 nines", b64("9999999999999999999")],
    ["20 digits", b64("99999999999999999999")],
    ["negative", b64("-1")],
    ["empty", b64("")],
  ])("a cursor of %s is 400 VALIDATION_FAILED", async (_, cursor) => {
    const { t, userIds } = await setup();
    refused(await api("GET", `/companies/${t.companyId}/users/${userIds[0]}/events?cursor=${cursor}`), "cursor");
  });

  test("a cursor from a real page still pages; 2^63−1 is a cursor past the end", async () => {
    const { t, userIds } = await setup();
    const id = userIds[0] as string;
    // More events of the user than a page holds (without a worker, only its acceptance is recorded).
    await env().database.sql`
      insert into events (company_id, user_id, type, data)
      values (${t.companyId}, ${id}, 'user.suspended', '{}'), (${t.companyId}, ${id}, 'user.reactivated', '{}')`;
    const all = await api("GET", `/companies/${t.companyId}/users/${id}/events`);
    expect(all.status).toBe(200);
    const events = all.body.events as { id: string }[];
    expect(events).toHaveLength(3);
    const first = await api("GET", `/companies/${t.companyId}/users/${id}/events?limit=2`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api(
      "GET",
      `/companies/${t.companyId}/users/${id}/events?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.status).toBe(200);
    expect(second.body.nextCursor).toBeNull();
    expect([...(first.body.events as unknown[]), ...(second.body.events as unknown[])]).toEqual(events);
    const end = await api("GET", `/companies/${t.companyId}/users/${id}/events?cursor=${b64("9223372036854775807")}`);
    expect(end.body).toEqual({ events: [], nextCursor: null });
  });
});

describe("GET /companies/{id}/events?after=", () => {
  test.each([
    ["seq 2^63", b64("0:9223372036854775808")],
    ["seq 19 nines", b64("0:9999999999999999999")],
    ["txid over 2^64−1", b64("99999999999999999999:0")],
    ["txid 2^64", b64("18446744073709551616:0")],
    ["a negative seq", b64("0:-1")],
    ["an empty seq", b64("0:")],
  ])("an after of %s is 400 VALIDATION_FAILED", async (_, after) => {
    const { t } = await setup();
    refused(await api("GET", `/companies/${t.companyId}/events?after=${after}`), "after");
  });

  test("a cursor from a real page still pages; the largest position is past the end", async () => {
    const { t } = await setup();
    // Events reach the feed once every older transaction on the server has ended.
    const all = await eventually(async () => {
      const res = await api("GET", `/companies/${t.companyId}/events?type=user.accepted`);
      return (res.body.events as unknown[]).length === 3 && (res.body.events as { id: string }[]);
    });
    const first = await api("GET", `/companies/${t.companyId}/events?type=user.accepted&limit=2`);
    const second = await api(
      "GET",
      `/companies/${t.companyId}/events?type=user.accepted&limit=2&after=${first.body.nextCursor}`,
    );
    expect(second.status).toBe(200);
    expect([...(first.body.events as unknown[]), ...(second.body.events as unknown[])]).toEqual(all);
    const last = b64("18446744073709551615:9223372036854775807");
    const end = await api("GET", `/companies/${t.companyId}/events?after=${last}`);
    expect(end.body).toEqual({ events: [], nextCursor: last });
  });
});

describe("GET /webhooks/{id}/deliveries?cursor=", () => {
  const webhookOf = async (t: Tenant) => {
    const res = await api("POST", `/companies/${t.companyId}/webhooks`, { url: "https://hooks.example.com/cursors" });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  test.each([
    ["seq 2^63", b64("1:9223372036854775808")],
    ["seq 19 nines", b64("1:9999999999999999999")],
    ["txid 2^64", b64("18446744073709551616:1")],
    ["a negative seq", b64("1:-1")],
  ])("a cursor of %s is 400 VALIDATION_FAILED", async (_, cursor) => {
    const { t } = await setup();
    const hook = await webhookOf(t);
    refused(await api("GET", `/webhooks/${hook}/deliveries?cursor=${cursor}`), "cursor");
  });

  test("a cursor from a real page still pages", async () => {
    const t = await createTenant(env(), { client });
    const hook = await webhookOf(t);
    for (const name of ["dan", "eve", "fay"]) {
      expect((await scim(env(), t.token, "POST", "/Users", oktaUser(`${name}@example.com`))).status).toBe(201);
    }
    const all = await eventually(async () => {
      const res = await api("GET", `/webhooks/${hook}/deliveries`);
      return (res.body.deliveries as unknown[]).length === 3 && (res.body.deliveries as unknown[]);
    });
    const first = await api("GET", `/webhooks/${hook}/deliveries?limit=2`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api("GET", `/webhooks/${hook}/deliveries?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.nextCursor).toBeNull();
    expect([...(first.body.deliveries as unknown[]), ...(second.body.deliveries as unknown[])]).toEqual(all);
    const top = await api(
      "GET",
      `/webhooks/${hook}/deliveries?cursor=${b64("18446744073709551615:9223372036854775807")}`,
    );
    expect((top.body.deliveries as unknown[]).length).toBe(3);
  });
});

describe("GET /directories/{id}/requests?cursor=", () => {
  test.each([
    ["30 February", b64("2024-02-30|1")],
    ["30 February in the encoder's shape", b64("2024-02-30T00:00:00.000Z|1")],
    ["a bare 1", b64("1|1")],
    ["a bare 0", b64("0|1")],
    ["a bare -1", b64("-1|1")],
    ["year +275760", b64("+275760-09-13T00:00:00Z|1")],
    ["year 0", b64("0000-01-01T00:00:00.000Z|1")],
    ["an id of 2^63", b64("2024-02-29T00:00:00.000Z|9223372036854775808")],
    ["an id of 19 nines", b64("2024-02-29T00:00:00.000Z|9999999999999999999")],
    ["a negative id", b64("2024-02-29T00:00:00.000Z|-1")],
  ])("a cursor of %s is 400 VALIDATION_FAILED", async (_, cursor) => {
    const { t } = await setup();
    refused(await api("GET", `/directories/${t.directoryId}/requests?cursor=${cursor}`), "cursor");
  });

  test("a cursor from a real page still pages; the edges of the range are cursors", async () => {
    const { t } = await setup();
    await env().deps.requestLog?.flush();
    const all = await api("GET", `/directories/${t.directoryId}/requests`);
    const requests = all.body.requests as unknown[];
    expect(requests.length).toBe(3);
    const first = await api("GET", `/directories/${t.directoryId}/requests?limit=2`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api("GET", `/directories/${t.directoryId}/requests?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.nextCursor).toBeNull();
    expect([...(first.body.requests as unknown[]), ...(second.body.requests as unknown[])]).toEqual(requests);

    const latest = await api(
      "GET",
      `/directories/${t.directoryId}/requests?cursor=${b64("9999-12-31T23:59:59.999Z|9223372036854775807")}`,
    );
    expect(latest.body.requests).toEqual(requests);
    const earliest = await api(
      "GET",
      `/directories/${t.directoryId}/requests?cursor=${b64("0001-01-01T00:00:00.000Z|0")}`,
    );
    expect(earliest.body).toEqual({ requests: [], nextCursor: null });
  });
});
