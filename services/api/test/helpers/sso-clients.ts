import { admin, oktaUser, type Reply, scim, type Tenant } from "./clients.ts";
import type { TestEnv } from "./env.ts";

async function send(env: TestEnv, method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await env.app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed, headers: res.headers } satisfies Reply;
}

/** A sign-in call as a web or mobile client makes it. */
export const signIn = (env: TestEnv, companyId: string, kind: "password" | "oidc", body: unknown) =>
  send(env, "POST", `/auth/${companyId}/${kind}`, { "Content-Type": "application/json" }, JSON.stringify(body));

/** GET /auth/session with the session's bearer token, or with a Cookie header as a browser sends it. */
export const whoAmI = (env: TestEnv, credential: { token: string } | { cookie: string }) =>
  send(
    env,
    "GET",
    "/auth/session",
    "token" in credential ? { Authorization: `Bearer ${credential.token}` } : { Cookie: credential.cookie },
  );

export const sessionToken = (reply: Reply) => (reply.body.session as { token: string } | undefined)?.token ?? "";

/** A user created over SCIM (Okta's shape, with its password), returning its id. */
export async function createUser(env: TestEnv, tenant: Tenant, userName: string, extra: Record<string, unknown> = {}) {
  const res = await scim(env, tenant.token, "POST", "/Users", oktaUser(userName, extra));
  if (res.status !== 201) throw new Error(`user: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Okta's deactivation: PATCH without a path. */
export const setActive = (env: TestEnv, tenant: Tenant, userId: string, active: boolean) =>
  scim(env, tenant.token, "PATCH", `/Users/${userId}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", value: { active } }],
  });

export const setPreventOtherSso = (env: TestEnv, companyId: string, preventOtherSso: boolean) =>
  admin(env, "PUT", `/companies/${companyId}/settings`, { preventOtherSso });

export type ServiceProviderView = { entityId: string; acsUrl: string; loginUrl: string; metadataUrl: string };

/** Configures the company's SAML from the test IdP's metadata; returns what the admin would paste into Okta. */
export async function configureSaml(
  env: TestEnv,
  companyId: string,
  metadataXml: string,
): Promise<ServiceProviderView> {
  const res = await admin(env, "PUT", `/companies/${companyId}/sso/saml`, { metadataXml });
  if (res.status !== 200) throw new Error(`saml config: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.serviceProvider as ServiceProviderView;
}

export const errorCode = (reply: Reply) => (reply.body.error as { code?: string } | undefined)?.code;
