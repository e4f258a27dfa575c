// The ceiling of a durable door (issue 8): a bare Hono app on @hono/node-server doing
// one plain INSERT per POST, with the same postgres.js settings as Scimline's API.
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
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
process.on("SIGTERM", () => server.close(() => sql.end().then(() => process.exit(0))));
