import { ADMIN_KEY, type TestEnv } from "./env.ts";

export type Reply = { status: number; body: Record<string, unknown> & { [key: string]: unknown }; headers: Headers };

async function send(
  env: TestEnv,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Reply> {
  const res = await env.app.request(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { raw: text };
    }
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The admin API, as a company admin's client would call it. */
export const admin = (env: TestEnv, method: string, path: string, body?: unknown) =>
  send(
    env,
    method,
    `/api/v1${path}`,
    { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "application/json" },
    body,
  );

/** A SCIM client with Okta's headers. */
export const scim = (
  env: TestEnv,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
) =>
  send(
    env,
    method,
    `/scim/v2${path}`,
    {
      Authorization: `Bearer ${token}`,
      Accept: "application/scim+json",
      "Content-Type": "application/scim+json; charset=utf-8",
      "User-Agent": "Okta SCIM Client 1.0.0",
      ...extra,
    },
    body,
  );

export type Tenant = { companyId: string; directoryId: string; token: string; officeIds: Record<string, string> };

/** How createTenant calls the admin API (admin-*.int tests pass one that checks replies against the OpenAPI document). */
export type AdminClient = (env: TestEnv, method: string, path: string, body?: unknown) => Promise<Reply>;

const adminClient = admin;

/** A company with offices, a directory and a token, set up through the admin API. */
export async function createTenant(
  env: TestEnv,
  options: {
    offices?: Array<{ name: string; country: string; main?: boolean; seats?: Record<string, number> }>;
    company?: Record<string, unknown>;
    client?: AdminClient;
  } = {},
): Promise<Tenant> {
  const admin = options.client ?? adminClient;
  const company = await admin(env, "POST", "/companies", {
    name: "Acme",
    country: "US",
    defaultAreaCode: "415",
    ...options.company,
  });
  if (company.status !== 201) throw new Error(`company: ${company.status} ${JSON.stringify(company.body)}`);
  const companyId = company.body.id as string;
  const officeIds: Record<string, string> = {};
  for (const office of options.offices ?? [
    { name: "San Francisco", country: "US", seats: { "Dialpad_Ai Voice": 10 } },
  ]) {
    const res = await admin(env, "POST", `/companies/${companyId}/offices`, office);
    if (res.status !== 201) throw new Error(`office: ${res.status} ${JSON.stringify(res.body)}`);
    officeIds[office.name] = res.body.id as string;
  }
  const directory = await admin(env, "POST", `/companies/${companyId}/directories`, { name: "Okta" });
  const token = await admin(env, "POST", `/directories/${directory.body.id}/tokens`);
  return { companyId, directoryId: directory.body.id as string, token: token.body.token as string, officeIds };
}

/** An Okta-shaped create body. */
export function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  const [given = "Test", family = "User"] = userName.split("@")[0]?.split(".") ?? [];
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: userName, type: "work" }],
    displayName: `${given} ${family}`,
    locale: "en-US",
    externalId: `00u${Math.random().toString(36).slice(2, 12)}`,
    groups: [],
    password: "tempP@ss123!",
    active: true,
    ...extra,
  };
}
