import { beforeAll, describe, expect, test } from "vitest";
import { admin, createTenant, type Reply } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { configureSaml, createUser, errorCode } from "./helpers/sso-clients.ts";
import { postAcs, type ResponseOptions, readAuthnRequest, TestIdp } from "./helpers/sso-idp.ts";

const NOW = new Date("2031-03-10T09:30:00.000Z");
const env = useTestEnv({ clock: () => NOW }, { PUBLIC_BASE_URL: "https://scimline.example.test" });
const lenient = useTestEnv(
  { clock: () => NOW },
  { PUBLIC_BASE_URL: "https://scimline.example.test", SAML_ALLOW_SHA1: "true" },
);
let idp: TestIdp;
beforeAll(async () => {
  idp = await TestIdp.create();
});

async function company(e: typeof env, settings: Record<string, unknown> = {}) {
  const tenant = await createTenant(e(), { company: settings });
  const sp = await configureSaml(e(), tenant.companyId, idp.metadataXml());
  await createUser(e(), tenant, "ada@acme.example");
  const respond = (o: Partial<ResponseOptions> = {}) =>
    idp.response({ nameId: "ada@acme.example", acsUrl: sp.acsUrl, audience: sp.entityId, now: NOW, ...o });
  return { tenant, sp, respond };
}
const outcome = (r: Reply) => ({
  status: r.status,
  code: r.status === 200 ? "OK" : errorCode(r),
});

describe("SHA-1 signatures are refused by default", () => {
  test.each([
    ["an RSA-SHA1 signature", "sha1", "assertion"],
    ["a SHA-1 digest under an RSA-SHA256 signature", "sha1-digest", "assertion"],
    ["an RSA-SHA1 signature over the whole response", "sha1", "response"],
  ] as const)("%s: 401 SAML_WEAK_SIGNATURE", async (_, algorithm, sign) => {
    const { tenant, respond } = await company(env);
    const res = await postAcs(env(), tenant.companyId, respond({ algorithm, sign }));
    expect(outcome(res)).toEqual({ status: 401, code: "SAML_WEAK_SIGNATURE" });
    expect(outcome(await postAcs(env(), tenant.companyId, respond()))).toEqual({ status: 200, code: "OK" });
  });

  test("SAML_ALLOW_SHA1=true accepts them (an identity provider that cannot do better)", async () => {
    const { tenant, respond } = await company(lenient);
    const res = await postAcs(lenient(), tenant.companyId, respond({ algorithm: "sha1" }));
    expect(outcome(res)).toEqual({ status: 200, code: "OK" });
  });
});

describe("samlIdpInitiated", () => {
  test("off: an unsolicited response is 401 SAML_UNSOLICITED naming the login URL; SP-initiated still works", async () => {
    const { tenant, sp, respond } = await company(env, { samlIdpInitiated: false });
    const unsolicited = await postAcs(env(), tenant.companyId, respond());
    expect(outcome(unsolicited)).toEqual({ status: 401, code: "SAML_UNSOLICITED" });
    expect((unsolicited.body.error as { message: string }).message).toContain(`/sso/${tenant.companyId}/saml/login`);
    const login = await env().app.request(sp.loginUrl.replace("https://scimline.example.test", ""));
    const { id } = readAuthnRequest(login.headers.get("location") ?? "");
    expect(outcome(await postAcs(env(), tenant.companyId, respond({ inResponseTo: id })))).toEqual({
      status: 200,
      code: "OK",
    });
  });

  // Only the assertion is signed: the response around it is the poster's to write.
  const wrapped = (response: string, inResponseTo: string) =>
    Buffer.from(
      Buffer.from(response, "base64")
        .toString("utf8")
        .replace("<samlp:Response ", `<samlp:Response InResponseTo="${inResponseTo}" `),
    ).toString("base64");

  test("off: an unsolicited assertion stays unsolicited when its unsigned wrapper names a pending request", async () => {
    const { tenant, sp, respond } = await company(env, { samlIdpInitiated: false });
    const login = await env().app.request(sp.loginUrl.replace("https://scimline.example.test", ""));
    const { id } = readAuthnRequest(login.headers.get("location") ?? "");
    expect(outcome(await postAcs(env(), tenant.companyId, wrapped(respond(), id)))).toEqual({
      status: 401,
      code: "SAML_UNSOLICITED",
    });
    // The request is still pending for the assertion that really answers it.
    expect(outcome(await postAcs(env(), tenant.companyId, respond({ inResponseTo: id })))).toEqual({
      status: 200,
      code: "OK",
    });
  });

  test("a NUL in the unsigned wrapper's InResponseTo is ignored, not a 500 that uses the assertion up", async () => {
    const { tenant, respond } = await company(env);
    const response = wrapped(respond(), "_a\u0000b");
    expect(outcome(await postAcs(env(), tenant.companyId, response))).toEqual({ status: 200, code: "OK" });
    expect(outcome(await postAcs(env(), tenant.companyId, response))).toEqual({ status: 401, code: "SAML_REPLAYED" });
  });

  test("a failure while using the assertion leaves it unused: the identity provider's next post signs in", async () => {
    const { tenant, sp, respond } = await company(env);
    const login = await env().app.request(sp.loginUrl.replace("https://scimline.example.test", ""));
    const { id } = readAuthnRequest(login.headers.get("location") ?? "");
    const response = respond({ inResponseTo: id });
    const sql = env().database.sql;
    // Using up the pending request fails once, as a lost connection would.
    await sql.unsafe(`create function refuse_request_use() returns trigger language plpgsql as $$
      begin raise exception 'refused for the test'; end $$`);
    await sql`create trigger refuse_request_use before delete on saml_requests for each row execute function refuse_request_use()`;
    try {
      expect((await postAcs(env(), tenant.companyId, response)).status).toBe(500);
    } finally {
      await sql`drop trigger refuse_request_use on saml_requests`;
      await sql`drop function refuse_request_use()`;
    }
    expect(outcome(await postAcs(env(), tenant.companyId, response))).toEqual({ status: 200, code: "OK" });
  });

  test("on (the default) and turned back on: IdP-initiated sign-in works", async () => {
    const { tenant, respond } = await company(env, { samlIdpInitiated: false });
    expect(outcome(await postAcs(env(), tenant.companyId, respond())).code).toBe("SAML_UNSOLICITED");
    await admin(env(), "PUT", `/companies/${tenant.companyId}/settings`, { samlIdpInitiated: true });
    expect(outcome(await postAcs(env(), tenant.companyId, respond()))).toEqual({ status: 200, code: "OK" });
  });
});

test("a SAMLResponse of thousands of elements or namespace declarations is refused before any XML is parsed", async () => {
  const { tenant, respond } = await company(env);
  const normal = Buffer.from(respond(), "base64").toString("utf8");
  const siblings = normal.replace("</samlp:Response>", `${"<a/>".repeat(5000)}</samlp:Response>`);
  const declarations = normal.replace(
    "<samlp:Response ",
    `<samlp:Response ${Array.from({ length: 150 }, (_, i) => `xmlns:n${i}="urn:x:${i}"`).join(" ")} `,
  );
  for (const xml of [siblings, declarations]) {
    const res = await postAcs(env(), tenant.companyId, Buffer.from(xml).toString("base64"));
    expect(res.status).toBe(400);
    expect((res.body.error as { message: string }).message).toContain("XML elements");
  }
  expect(outcome(await postAcs(env(), tenant.companyId, respond()))).toEqual({ status: 200, code: "OK" });
});

test("a SAMLResponse over 256 KiB is refused before any XML is parsed", async () => {
  const { tenant } = await company(env);
  const huge = Buffer.from(`<samlp:Response>${"<a x='1'/>".repeat(30_000)}</samlp:Response>`).toString("base64");
  const res = await postAcs(env(), tenant.companyId, huge);
  expect(res.status).toBe(400);
  expect((res.body.error as { message: string }).message).toContain("256 KiB");
});
