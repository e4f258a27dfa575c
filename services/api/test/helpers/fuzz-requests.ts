import fc from "fast-check";
import { hostileJson, hostileNumber, hostileString, hostileUser, plausibleUser } from "./fuzz-arbitraries.ts";

const deep = (open: string, close: string) =>
  fc.integer({ min: 50, max: 20_000 }).map((n) => `${open.repeat(n)}1${close.repeat(n)}`);

/** Request bodies as bytes: JSON of the above, plus what no JSON encoder would produce. */
export const hostileBody: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: hostileUser.map((u) => Buffer.from(JSON.stringify(u))) },
  { weight: 3, arbitrary: plausibleUser.map((u) => Buffer.from(JSON.stringify(u))) },
  { weight: 2, arbitrary: hostileJson.map((v) => Buffer.from(JSON.stringify(v) ?? "null")) },
  { weight: 1, arbitrary: deep("[", "]").map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: deep('{"a":', "}").map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  {
    weight: 2,
    // Valid JSON carrying invalid UTF-8, NUL bytes, UTF-8-encoded surrogates, overlong forms.
    arbitrary: fc
      .tuple(
        fc.constantFrom([0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x00], [0xf4, 0x90, 0x80, 0x80]),
        hostileString,
      )
      .map(([bad, s]) =>
        Buffer.concat([
          Buffer.from('{"userName":"u'),
          Buffer.from(bad),
          Buffer.from(`${JSON.stringify(s).slice(1)},"active":true}`),
        ]),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '{"userName":"n@x.io","n":1e400}',
        '{"userName":"n@x.io","n":-1e400}',
        '{"userName":1e999}',
        "\ufeff{}",
        "{}".repeat(3),
      )
      .map((s) => Buffer.from(s)),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 10_000, max: 60_000 })
      .map((n) =>
        Buffer.from(
          JSON.stringify({ userName: "big@x.io", emails: Array.from({ length: n }, () => ({ value: "a" })) }),
        ),
      ),
  },
);

const attrPath = fc.constantFrom(
  "userName",
  "schemas",
  "USERNAME",
  "name.givenName",
  "emails",
  "emails.value",
  'emails[type eq "work"].value',
  "active",
  "id",
  "externalId",
  "meta.lastModified",
  "meta.created",
  "title",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
  "urn:scimline:params:scim:schemas:extension:telephony:2.0:User:status",
  "foo",
  "__proto__",
  "members.value",
  "displayName",
);
const compareOp = fc.constantFrom("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co", "xx", "=");
const filterValue = fc.oneof(
  hostileString.map((s) => JSON.stringify(s)),
  hostileNumber.map(String),
  fc.constantFrom("true", "false", "null", "1e400", '"2024-01-01T00:00:00Z"', "unquoted", '"', "'x'"),
);

/** SCIM filters: grammatical ones with hostile values, broken ones, deeply nested and overlong ones. */
export const hostileFilter: fc.Arbitrary<string> = fc
  .letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.tuple(attrPath, compareOp, filterValue).map(([a, o, v]) => `${a} ${o} ${v}`),
      // The IdPs' look-up has a path of its own (a prepared statement): its values need the same care.
      fc.tuple(fc.constantFrom("userName", "USERNAME"), hostileString).map(([a, v]) => `${a} eq ${JSON.stringify(v)}`),
      attrPath.map((a) => `${a} pr`),
      fc.tuple(tie("f"), fc.constantFrom("and", "or", "AND", "Or"), tie("f")).map(([a, o, b]) => `${a} ${o} ${b}`),
      tie("f").map((f) => `not (${f})`),
      tie("f").map((f) => `(${f})`),
      fc.tuple(fc.constantFrom("emails", "addresses", "members"), tie("f")).map(([a, f]) => `${a}[${f}]`),
    ),
  }))
  .f.chain((f) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(f) },
      { weight: 1, arbitrary: fc.integer({ min: 30, max: 3000 }).map((n) => `${"(".repeat(n)}${f}${")".repeat(n)}`) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 30, max: 2000 }).map((n) => `${"not (".repeat(n)}${f}${")".repeat(n)}`),
      },
      // Up to 200 repeats and ~200 KB: past Node's 16 KiB header limit in a URL, near the 1 MiB body limit in a
      // PATCH path. Without the cap a long hostile string repeated made one 28 MB filter, 18 s of percent-encoding.
      {
        weight: 1,
        arbitrary: fc.constant(
          `${f} or ${f}`.repeat(Math.max(1, Math.min(200, Math.floor(200_000 / (2 * f.length + 4))))),
        ),
      },
      { weight: 1, arbitrary: hostileString },
      { weight: 1, arbitrary: fc.nat({ max: f.length }).map((n) => f.slice(0, n)) },
    ),
  );

/** PATCH bodies in Okta's, Entra's and broken forms. */
export const hostilePatch: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      schemas: fc.oneof(fc.constant(["urn:ietf:params:scim:api:messages:2.0:PatchOp"]), hostileJson),
      Operations: fc.array(
        fc.record(
          {
            op: fc.oneof(fc.constantFrom("add", "replace", "remove", "Add", "Replace", "Remove"), hostileString),
            path: fc.oneof(
              attrPath,
              hostileFilter.map((f) => `emails[${f}].value`),
              hostileString,
            ),
            value: fc.oneof(hostileJson, hostileUser, fc.constantFrom("True", "False", false)),
          },
          { requiredKeys: ["op"] },
        ),
        { maxLength: 4 },
      ),
    }),
  },
  { weight: 1, arbitrary: hostileJson },
);
