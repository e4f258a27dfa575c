import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { describeCertificate, type IdpParse, isHttpUrl, parseCertificates, parseIdpMetadata } from "../sso/saml-idp.ts";
import { baseUrl, EMAIL_NAME_ID, serviceProvider } from "../sso/saml-sp.ts";
import { deleteSamlConfig, findCompanyPolicy, findSamlConfig, saveSamlConfig } from "../sso/store.ts";
import { body, CompanyParams, errors, json } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Single sign-on"];

const SamlConfigInput = z
  .object({
    metadataXml: z.string().min(1).max(1_000_000).optional().openapi({ description: "The IdP's metadata XML" }),
    idpEntityId: z.string().trim().min(1).max(1024).optional().openapi({ example: "http://www.okta.com/exk1a2b3c" }),
    ssoUrl: z
      .string()
      .trim()
      .max(2048)
      .refine(isHttpUrl, "must be an http(s) URL")
      .optional()
      .openapi({ example: "https://acme.okta.com/app/acme_scimline_1/exk1a2b3c/sso/saml" }),
    certificate: z
      .string()
      .min(1)
      .max(100_000)
      .optional()
      .openapi({ description: "The IdP's signing certificate: PEM (one or more blocks) or base64 DER" }),
  })
  .superRefine((v, ctx) => {
    const manual = [v.idpEntityId, v.ssoUrl, v.certificate].filter((x) => x !== undefined).length;
    if (v.metadataXml !== undefined && manual > 0)
      ctx.addIssue({ code: "custom", message: "give either metadataXml or idpEntityId, ssoUrl and certificate" });
    else if (v.metadataXml === undefined && manual < 3)
      ctx.addIssue({ code: "custom", message: "give metadataXml, or all of idpEntityId, ssoUrl and certificate" });
  })
  .openapi("SamlConfigInput");

const CertificateView = z.object({
  fingerprintSha256: z.string(),
  subject: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
});

const SamlConfigView = z
  .object({
    configured: z.boolean(),
    identityProvider: z
      .object({
        entityId: z.string(),
        ssoUrl: z.string(),
        certificates: z.array(CertificateView),
        source: z.enum(["metadata", "manual"]),
        updatedAt: z.string(),
      })
      .nullable(),
    serviceProvider: z
      .object({
        entityId: z.string().openapi({ description: "Okta: Audience URI (SP Entity ID)" }),
        acsUrl: z.string().openapi({ description: "Okta: Single sign-on URL (also Recipient and Destination)" }),
        metadataUrl: z.string(),
        loginUrl: z.string().openapi({ description: "SP-initiated sign-in: send users here" }),
        nameIdFormat: z.string(),
      })
      .openapi({ description: "What to paste into the identity provider" }),
    preventOtherSso: z.boolean(),
  })
  .openapi("SamlConfig");

const notFound = "COMPANY_NOT_FOUND";

const get = createRoute({
  method: "get",
  path: "/companies/{id}/sso/saml",
  tags,
  summary: "The company's SAML configuration and the service provider details for its identity provider",
  request: { params: CompanyParams },
  responses: {
    200: json(SamlConfigView, "The configuration (configured false until set)"),
    ...errors({ 404: notFound }),
  },
});

const put = createRoute({
  method: "put",
  path: "/companies/{id}/sso/saml",
  tags,
  summary: "Set the identity provider: its metadata XML, or its entity ID, SSO URL and signing certificate",
  request: { params: CompanyParams, body: body(SamlConfigInput) },
  responses: {
    200: json(SamlConfigView, "The configuration after the change"),
    ...errors({ 404: notFound }, { body: true }),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/companies/{id}/sso/saml",
  tags,
  summary: "Remove the SAML configuration (SAML sign-in stops)",
  request: { params: CompanyParams },
  responses: {
    204: { description: "Removed" },
    ...errors({ 404: `${notFound} or SAML_NOT_CONFIGURED`, 409: "SSO_POLICY_ACTIVE: turn preventOtherSso off first" }),
  },
});

/** The admin portal's SSO page. */
export function ssoAdminRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  const companyOf = async (id: string) => {
    const company = await findCompanyPolicy(deps.database, id);
    if (!company) throw new AdminError("COMPANY_NOT_FOUND", `Company ${id} not found`);
    return company;
  };

  const view = async (company: { id: string; preventOtherSso: boolean }, requestUrl: string) => {
    const config = await findSamlConfig(deps.database, company.id);
    const sp = serviceProvider(baseUrl(deps.config, requestUrl), company.id);
    return {
      configured: config !== null,
      identityProvider: config && {
        entityId: config.idpEntityId,
        ssoUrl: config.ssoUrl,
        certificates: config.idpCertificates.map(describeCertificate),
        source: config.source,
        updatedAt: config.updatedAt.toISOString(),
      },
      serviceProvider: { ...sp, nameIdFormat: EMAIL_NAME_ID },
      preventOtherSso: company.preventOtherSso,
    };
  };

  app.openapi(get, async (c) => {
    const company = await companyOf(c.req.valid("param").id);
    return c.json(await view(company, c.req.url), 200);
  });

  app.openapi(put, async (c) => {
    const company = await companyOf(c.req.valid("param").id);
    const input = c.req.valid("json");
    let parsed: IdpParse;
    if (input.metadataXml !== undefined) parsed = await parseIdpMetadata(input.metadataXml);
    else {
      const certs = parseCertificates(input.certificate ?? "");
      parsed =
        certs.type === "invalid"
          ? certs
          : {
              type: "ok",
              settings: { idpEntityId: input.idpEntityId ?? "", ssoUrl: input.ssoUrl ?? "", certificates: certs.pems },
            };
    }
    if (parsed.type === "invalid") throw new AdminError("VALIDATION_FAILED", parsed.message);
    await saveSamlConfig(deps.database, company.id, parsed.settings, input.metadataXml ? "metadata" : "manual");
    return c.json(await view(company, c.req.url), 200);
  });

  app.openapi(remove, async (c) => {
    const company = await companyOf(c.req.valid("param").id);
    if (company.preventOtherSso) {
      throw new AdminError(
        "SSO_POLICY_ACTIVE",
        "Turn preventOtherSso off before removing SAML, or no user could sign in",
      );
    }
    if (!(await deleteSamlConfig(deps.database, company.id)))
      throw new AdminError("SAML_NOT_CONFIGURED", "This company has no SAML configuration");
    return c.body(null, 204);
  });

  return app;
}
