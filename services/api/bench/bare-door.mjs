// The machine's own ceilings: a bare Hono app on @hono/node-server with the same postgres.js
// settings as Scimline's API. POST: one plain INSERT (the durable door's ceiling). GET with
// `filter=userName eq "…"`: one indexed SELECT of that user's stored resource in the company
// BARE_COMPANY_ID names (the lookup's ceiling: no auth, no visibility rules, no projection).
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import postgres from "postgres";

const sql = postgres(process.env.DATABASE_URL, {
  max: Number(process.env.API_DB_POOL_MAX ?? 8),
  max_pipeline: 1,
  onnotice() {},
});
await sql`create table if not exists bare_users (id bigserial primary key, body jsonb not null, created_at timestamptz not null default now())`;
const app = new Hono();
app.post("/scim/v2/Users", async (c) => {
  const body = await c.req.json();
  const [row] = await sql`insert into bare_users (body) values (${sql.json(body)}) returning id`;
  return c.json({ id: String(row.id) }, 201);
});
const USER_NAME_EQ = /^userName eq "((?:[^"\\]|\\.)*)"$/;
app.get("/scim/v2/Users", async (c) => {
  const name = USER_NAME_EQ.exec(c.req.query("filter") ?? "")?.[1] ?? "";
  const rows = await sql`select id, resource from users
    where company_id = ${process.env.BARE_COMPANY_ID ?? null} and lower(user_name) = lower(${name}) and deleted_at is null`;
  return c.json({
    schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    totalResults: rows.length,
    Resources: rows.map((r) => ({ ...r.resource, id: r.id })),
  });
});
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
process.on("SIGTERM", () => server.close(() => sql.end().then(() => process.exit(0))));
