import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import { createTenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { apiClient } from "./helpers/openapi.ts";
import { TestIdp } from "./helpers/sso-idp.ts";

// No PUBLIC_BASE_URL here: the service provider's URLs come from the request's origin.
const env = useTestEnv();
// Every admin reply is checked against the OpenAPI document.
const api = apiClient(env);
let idp: TestIdp;
beforeAll(async () => {
  idp = await TestIdp.create();
});

type SamlView = {
  configured: boolean;
  identityProvider: null | {
    entityId: string;
    ssoUrl: string;
    source: string;
    certificates: { fingerprintSha256: string }[];
  };
  serviceProvider: { entityId: string; acsUrl: string; metadataUrl: string; loginUrl: string };
};

describe("SAML configuration through the admin API", () => {
  test("before any configuration the admin already gets the service provider details to paste into Okta", async () => {
    const { companyId } = await createTenant(env());
    const res = await api("GET", `/companies/${companyId}/sso/saml`);
    expect(res.status).toBe(200);
    const view = res.body as unknown as SamlView;
    expect(view.configured).toBe(false);
    expect(view.identityProvider).toBeNull();
    const root = `http://localhost/sso/${companyId}/saml`;
    expect(view.serviceProvider).toMatchObject({
      entityId: `${root}/metadata`,
      acsUrl: `${root}/acs`,
      metadataUrl: `${root}/metadata`,
      loginUrl: `${root}/login`,
    });
    // SP-initiated sign-in without a configuration is a clear 404.
    const login = await env().app.request(`/sso/${companyId}/saml/login`);
    expect(login.status).toBe(404);
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe("SAML_NOT_CONFIGURED");
  });

  test("the public SP metadata names the entity ID and the ACS URL (HTTP-POST)", async () => {
    const { companyId } = await createTenant(env());
    const res = await env().app.request(`/sso/${companyId}/saml/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/samlmetadata+xml");
    const xml = await res.text();
    expect(xml).toContain(`entityID="http://localhost/sso/${companyId}/saml/metadata"`);
    expect(xml).toMatch(
      new RegExp(
        `Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"\\s+Location="http://localhost/sso/${companyId}/saml/acs"`,
      ),
    );
    expect((await env().app.request("/sso/00000000-0000-0000-0000-000000000000/saml/metadata")).status).toBe(404);
    expect((await env().app.request("/sso/not-a-uuid/saml/metadata")).status).toBe(404);
  });

  test("IdP metadata XML configures entity ID, SSO URL (HTTP-Redirect) and signing certificate", async () => {
    const { companyId } = await createTenant(env());
    const res = await api("PUT", `/companies/${companyId}/sso/saml`, { metadataXml: idp.metadataXml() });
    expect(res.status).toBe(200);
    const view = res.body as unknown as SamlView;
    expect(view.configured).toBe(true);
    expect(view.identityProvider).toMatchObject({ entityId: idp.entityId, ssoUrl: idp.ssoUrl, source: "metadata" });
    expect(view.identityProvider?.certificates[0]?.fingerprintSha256).toBe(
      new X509Certificate(idp.key.cert).fingerprint256,
    );
    expect((await api("GET", `/companies/${companyId}/sso/saml`)).body).toEqual(res.body);
  });

  test("entity ID, SSO URL and certificate (PEM or Okta's bare base64) configure it too, and replace the old one", async () => {
    const { companyId } = await createTenant(env());
    const other = await TestIdp.create("http://www.okta.example.test/exk-other");
    await api("PUT", `/companies/${companyId}/sso/saml`, { metadataXml: other.metadataXml() });
    for (const certificate of [idp.certBase64, idp.key.cert]) {
      const res = await api("PUT", `/companies/${companyId}/sso/saml`, {
        idpEntityId: idp.entityId,
        ssoUrl: idp.ssoUrl,
        certificate,
      });
      expect(res.status).toBe(200);
      const view = res.body as unknown as SamlView;
      expect(view.identityProvider).toMatchObject({ entityId: idp.entityId, source: "manual" });
      expect(view.identityProvider?.certificates).toHaveLength(1);
      expect(view.identityProvider?.certificates[0]?.fingerprintSha256).toBe(
        new X509Certificate(idp.key.cert).fingerprint256,
      );
    }
  });

  test("bad input is 400 VALIDATION_FAILED naming the field; another company's id is 404", async () => {
    const { companyId } = await createTenant(env());
    const path = `/companies/${companyId}/sso/saml`;
    const cases: Array<[unknown, RegExp]> = [
      [{}, /metadataXml, or all of idpEntityId, ssoUrl and certificate/],
      [{ idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl }, /all of idpEntityId/],
      [{ metadataXml: idp.metadataXml(), idpEntityId: "x" }, /either metadataXml/],
      [{ metadataXml: "<not xml" }, /metadataXml: not well-formed XML/],
      [
        { metadataXml: "<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata' entityID='x'/>" },
        /IDPSSODescriptor/,
      ],
      [
        { metadataXml: idp.metadataXml().replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, "") },
        /no signing certificate/,
      ],
      [{ metadataXml: idp.metadataXml().replace(/HTTP-Redirect/, "SOAP") }, /HTTP-Redirect/],
      [
        { idpEntityId: idp.entityId, ssoUrl: "ftp://idp", certificate: idp.certBase64 },
        /ssoUrl: must be an http\(s\) URL/,
      ],
      [
        { idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, certificate: "%% not a certificate %%" },
        /certificate: not PEM/,
      ],
      [{ idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, certificate: "QUJDRA==" }, /not an X.509 certificate/],
    ];
    for (const [input, message] of cases) {
      const res = await api("PUT", path, input);
      expect(res.status, JSON.stringify(input).slice(0, 80)).toBe(400);
      const error = res.body.error as { code: string; message: string };
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.message).toMatch(message);
    }
    expect((await api("GET", path)).body.configured).toBe(false);
    const missing = await api("GET", "/companies/00000000-0000-0000-0000-000000000000/sso/saml");
    expect(missing.status).toBe(404);
    expect((missing.body.error as { code: string }).code).toBe("COMPANY_NOT_FOUND");
  });

  test("DELETE removes it: SAML sign-in then answers SAML_NOT_CONFIGURED", async () => {
    const { companyId } = await createTenant(env());
    const path = `/companies/${companyId}/sso/saml`;
    await api("PUT", path, { metadataXml: idp.metadataXml() });
    expect((await env().app.request(`/sso/${companyId}/saml/login`)).status).toBe(302);
    expect((await api("DELETE", path)).status).toBe(204);
    expect((await api("DELETE", path)).status).toBe(404);
    expect((await env().app.request(`/sso/${companyId}/saml/login`)).status).toBe(404);
  });

  test("the admin API needs the admin key", async () => {
    const { companyId } = await createTenant(env());
    const res = await env().app.request(`/api/v1/companies/${companyId}/sso/saml`);
    expect(res.status).toBe(401);
  });
});
