import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { createTenant } from "./helpers/clients.ts";
import { useTestEnv } from "./helpers/env.ts";
import { configureSaml, createUser } from "./helpers/sso-clients.ts";
import { postAcs, TestIdp } from "./helpers/sso-idp.ts";
import { reportTimings } from "./helpers/timings.ts";

// The ACS is public: anyone on the internet may post it anything. Hostile XML, within the size and shape
// bounds checked before parsing, must never be a 5xx, sign anyone in, reach the network or the file system
// through an entity, or cost more than a bounded moment. The slowest answer is printed.
const NOW = new Date("2031-03-10T09:30:00.000Z");
const env = useTestEnv({ clock: () => NOW }, { PUBLIC_BASE_URL: "https://scimline.example.test" });
let idp: TestIdp;
let companyId = "";
let valid = "";
const timings: number[] = [];

beforeAll(async () => {
  idp = await TestIdp.create();
  const tenant = await createTenant(env());
  companyId = tenant.companyId;
  const sp = await configureSaml(env(), companyId, idp.metadataXml());
  await createUser(env(), tenant, "ada@acme.example");
  valid = Buffer.from(
    idp.response({ nameId: "ada@acme.example", acsUrl: sp.acsUrl, audience: sp.entityId, now: NOW }),
    "base64",
  ).toString("utf8");
});

async function post(xml: string) {
  const started = performance.now();
  const res = await postAcs(env(), companyId, Buffer.from(xml, "utf8").toString("base64"));
  timings.push(performance.now() - started);
  return res;
}

/** Never a 5xx, never a session: a 4xx with an error code. */
function refused(res: Awaited<ReturnType<typeof post>>, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(res.headers.get("set-cookie") ?? "", what).toBe("");
}

const LOL = `<!DOCTYPE r [
  <!ENTITY a "lollollollollollollollollollol">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>`;

test("entity expansion, external entities, any DOCTYPE (even before a validly signed response): refused before parsing", async () => {
  const withDoctype = (doctype: string, xml: string) =>
    xml.replace(/^(<\?xml[^>]*\?>)?/, (decl) => `${decl}${doctype}`);
  const cases: Array<[string, string]> = [
    ["billion laughs in the NameID", withDoctype(LOL, valid.replace("ada@acme.example", "&g;"))],
    ["billion laughs alone", `${LOL}<r>&g;</r>`],
    [
      "an external entity naming a local file",
      withDoctype('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', valid.replace("ada@acme.example", "&x;")),
    ],
    [
      "an external entity naming a URL",
      withDoctype('<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>', valid.replace("ada@acme.example", "&x;")),
    ],
    ["a parameter entity", '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]><r/>'],
    ["a DOCTYPE before an otherwise valid response", withDoctype("<!DOCTYPE r>", valid)],
  ];
  for (const [what, xml] of cases) {
    const res = await post(xml);
    refused(res, what);
    expect(res.body.error, what).toMatchObject({ code: "SAML_INVALID", message: expect.stringContaining("DOCTYPE") });
  }
  // The valid response still signs in (and nothing above used it up).
  const ok = await post(valid);
  expect(ok.status, JSON.stringify(ok.body).slice(0, 300)).toBe(200);
});

/** XML-ish text: tags, attributes, entities, comments, CDATA, processing instructions, broken pieces. */
const fragment: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ maxLength: 20 }),
    fc.constantFrom(
      "&lt;",
      "&amp;",
      "&#x0;",
      "&#65;",
      "&unknown;",
      "&#xD800;",
      "]]>",
      "<!--",
      "-->",
      "<?x?>",
      "<",
      ">",
    ),
    fc.constantFrom("<![CDATA[", "<!DOCTYPE r>", '<!ENTITY e "x">', "xmlns:saml=", 'ID="_1"', "\u0000", "\uffff"),
    fc
      .tuple(
        fc.constantFrom("saml:Assertion", "samlp:Response", "ds:Signature", "saml:NameID", "a", "x:y"),
        fc.array(
          fc.tuple(
            fc.constantFrom("ID", "Version", "xmlns", "xmlns:ds", "InResponseTo", "b"),
            fc.string({ maxLength: 12 }),
          ),
          {
            maxLength: 3,
          },
        ),
        fc.array(tie("node"), { maxLength: 4 }),
      )
      .map(
        ([name, attrs, children]) =>
          `<${name}${attrs.map(([k, v]) => ` ${k}="${v.replace(/"/g, "&quot;")}"`).join("")}>${children.join("")}</${name}>`,
      ),
  ),
})).node;

test("fuzz: random XML, and the valid response with random pieces spliced in, is never a 5xx or a session", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fragment,
        fc.tuple(fc.nat(), fragment).map(([at, piece]) => {
          const cut = at % valid.length;
          return `${valid.slice(0, cut)}${piece}${valid.slice(cut)}`;
        }),
      ),
      async (xml) => {
        refused(await post(xml), xml.slice(0, 120));
      },
    ),
    { numRuns: 300, seed: 20261207 },
  );
  expect(reportTimings("saml-acs-fuzz", "posts", timings)).toBeLessThan(2_000);
}, 120_000);
