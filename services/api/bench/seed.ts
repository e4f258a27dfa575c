import { randomUUID } from "node:crypto";
import type postgres from "postgres";
import type { AdminApi } from "./lib.ts";

/** A company with one office "HQ", `seats` Dialpad_Ai Voice seats, `numbers` pool numbers and a token. */
export async function setupCompany(
  admin: AdminApi,
  o: { name: string; seats: number; numbers: number; start: number },
) {
  const company = await admin("POST", "/companies", {
    name: o.name,
    country: "US",
    defaultAreaCode: "415",
    billingDay: 1,
    extensionRange: { start: o.start, end: o.start + 99_999 },
  });
  const office = await admin("POST", `/companies/${company.id}/offices`, {
    name: "HQ",
    country: "US",
    main: true,
    seats: { "Dialpad_Ai Voice": o.seats },
  });
  for (let k = 0; k < o.numbers; k += 10_000) {
    const numbers = Array.from(
      { length: Math.min(10_000, o.numbers - k) },
      (_, i) => `+1${o.start + 2_000_000_000 + k + i}`,
    );
    await admin("POST", `/companies/${company.id}/numbers`, { numbers, officeId: office.id });
  }
  const directory = await admin("POST", `/companies/${company.id}/directories`, { name: "Okta" });
  const token = (await admin("POST", `/directories/${directory.id}/tokens`)).token ?? "";
  return { companyId: company.id ?? "", token };
}

/** Every accepted user active, distinct DIDs and extensions, seats and charges adding up. */
export async function verifyBurst(sql: postgres.Sql, companyId: string, n: number) {
  const [u] = await sql<{ active: number; dids: number; extensions: number }[]>`
    select count(*) filter (where status = 'active')::int as active, count(distinct did)::int as dids, count(distinct extension)::int as extensions
    from users where company_id = ${companyId}`;
  const [s] = await sql<
    { purchased: number; used: number }[]
  >`select sum(purchased)::int as purchased, sum(used)::int as used from seats where company_id = ${companyId}`;
  const [c] = await sql<
    { charges: number }[]
  >`select count(*)::int as charges from charges where company_id = ${companyId}`;
  const [a] = await sql<
    { assigned: number }[]
  >`select count(*)::int as assigned from numbers where company_id = ${companyId} and assigned_user_id is not null`;
  const result = {
    active: u?.active,
    dids: u?.dids,
    extensions: u?.extensions,
    seatsPurchased: s?.purchased,
    seatsUsed: s?.used,
    charges: c?.charges,
    numbersAssigned: a?.assigned,
  };
  const ok = Object.entries(result).every(([k, v]) => (k === "charges" ? v === n / 2 : v === n));
  return { ok, ...result };
}

/** A company whose directory holds `users` users, written straight to the database (the door is measured elsewhere). */
export async function seedReadCompany(sql: postgres.Sql, admin: AdminApi, users: number) {
  const { companyId, token } = await setupCompany(admin, { name: "Reads", seats: 0, numbers: 0, start: 400000 });
  const [dir] = await sql<{ id: string; lt: string }[]>`
    select d.id, (select id from license_types where company_id = ${companyId} and name = 'Dialpad_Ai Voice') as lt
    from directories d where d.company_id = ${companyId}`;
  await sql`
    insert into users (id, company_id, directory_id, user_name, external_id, display_name, email, active, resource, license_type_id, office_hints, status)
    select gen_random_uuid(), ${companyId}, ${dir?.id ?? ""}, 'read.' || g || '@bench.example.com', 'ext' || g, 'Read ' || g, 'read.' || g || '@bench.example.com', true,
           jsonb_build_object('userName', 'read.' || g || '@bench.example.com', 'name', jsonb_build_object('givenName', 'Read', 'familyName', g::text),
                              'emails', jsonb_build_array(jsonb_build_object('value', 'read.' || g || '@bench.example.com', 'primary', true, 'type', 'work')), 'active', true),
           ${dir?.lt ?? ""}, '{}'::jsonb, 'active'
    from generate_series(0, ${users - 1}) g`;
  // A directory of this size has long been vacuumed in real life: its visibility map is set.
  await sql`vacuum analyze users`;
  return { companyId, token, run: randomUUID() };
}
