import { describe, expect, test } from "vitest";
import { createTenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient } from "./helpers/openapi.ts";

const env = useTestEnv();
const api = apiClient(env);

type Office = { id: string; name: string; seats: Record<string, { purchased: number; used: number }> };

describe("an office created at the same moment as a license type", () => {
  test("gets a seats row for it either way (10 concurrent pairs)", async () => {
    const t = await createTenant(env());
    for (let i = 0; i < 10; i++) {
      const [office, licenseType] = await Promise.all([
        api("POST", `/companies/${t.companyId}/offices`, { name: `Office ${i}`, country: "US" }),
        api("POST", `/companies/${t.companyId}/license-types`, {
          name: `Type ${i}`,
          monthlyPriceCents: 100,
          assignsDid: false,
        }),
      ]);
      expect([office.status, licenseType.status]).toEqual([201, 201]);
      const got = (await api("GET", `/companies/${t.companyId}/offices/${office.body.id}`)).body as Office;
      expect(got.seats[`Type ${i}`], `office ${i} has no seats row for type ${i}`).toEqual({ purchased: 0, used: 0 });
    }
    // Every office has a seats row for every license type of the company.
    const missing = await env().database.sql<{ office: string; type: string }[]>`
      select o.name as office, lt.name as type
      from offices o cross join license_types lt
      left join seats s on s.office_id = o.id and s.license_type_id = lt.id
      where o.company_id = ${t.companyId} and lt.company_id = ${t.companyId} and s.office_id is null`;
    expect(missing).toEqual([]);
  });
});
