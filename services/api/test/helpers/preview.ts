import type { TestEnv } from "./env.ts";
import { call, type Reply } from "./openapi.ts";

export type PreviewUser = {
  userName: string | null;
  office: { id: string; name: string } | null;
  matchedBy: string | null;
  matchedValue: string | null;
  licenseType: string | null;
  seat: string;
  chargeCents: number;
  number: { source: string };
  refusal: { code: string; detail: string } | null;
};
export type PreviewTotals = {
  users: number;
  seatsToBuy: { officeId: string; officeName: string; licenseType: string; count: number; chargeCents: number }[];
  chargeCents: number;
  numbersFromPool: number;
  numbersToBuy: { areaCode: string; count: number }[];
  refused: Record<string, number>;
  unmatchedHints: { value: string; count: number }[];
};
export type PreviewBody = { users: PreviewUser[]; totals: PreviewTotals };

const path = (companyId: string) => `/companies/${companyId}/provisioning/preview`;

/** A CSV preview through the admin API, the reply checked against the OpenAPI document. */
export const previewCsv = (env: TestEnv, companyId: string, csv: string): Promise<Reply> =>
  call(env, "POST", path(companyId), undefined, { rawBody: csv, headers: { "Content-Type": "text/csv" } });

/** A JSON preview (`{users: [...]}`), the reply checked against the OpenAPI document. */
export const previewJson = (env: TestEnv, companyId: string, users: unknown[]): Promise<Reply> =>
  call(env, "POST", path(companyId), { users });

export const previewOf = (reply: Reply) => reply.body as unknown as PreviewBody;

/**
 * Row counts of every table plus the provisioning counters: equal before and after means nothing was written.
 * The request log is flushed first: it writes the SCIM requests a test sent off the request's path, and a
 * flush landing between two snapshots would otherwise read as a write by the request under test.
 */
export async function databaseState(env: TestEnv): Promise<Record<string, string>> {
  await env.deps.requestLog?.flush();
  const sql = env.database.sql;
  const tables = await sql<{ name: string }[]>`
    select tablename as name from pg_tables where schemaname = 'public' order by tablename`;
  const state: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql<{ n: string }[]>`select count(*)::text as n from ${sql(name)}`;
    state[name] = row?.n ?? "?";
  }
  const [counters] = await sql<{ seats: string; numbers: string; extensions: string; users: string }[]>`
    select
      (select coalesce(sum(purchased), 0) || '/' || coalesce(sum(used), 0) from seats) as seats,
      (select count(*) from numbers where assigned_user_id is not null)::text as numbers,
      (select count(*) from extension_pool where user_id is not null)::text as extensions,
      (select coalesce(max(updated_at)::text, '') from users) as users`;
  return { ...state, ...counters };
}
