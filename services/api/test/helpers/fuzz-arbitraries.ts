import fc from "fast-check";

/**
 * Seeded and bounded: a failure prints its seed and path (middle of huge counterexamples cut), and reruns
 * identically. Fixed seeds keep CI repeatable. For an exploratory run, FUZZ_SEED (a number, or "random") and
 * FUZZ_RUNS override them: `FUZZ_SEED=random FUZZ_RUNS=5000 pnpm exec vitest run --testTimeout=0 test/fuzz-`.
 */
export function fuzzOptions<T>(seed: number, numRuns = 300): fc.Parameters<T> {
  const explore = process.env.FUZZ_SEED;
  return {
    seed: explore === "random" ? Math.floor(Math.random() * 2 ** 31) : explore ? Number(explore) : seed,
    numRuns: process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : numRuns,
    endOnFailure: true,
    reporter: (details) => {
      if (!details.failed) return;
      const report = fc.defaultReportMessage(details) ?? "property failed";
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${cause.slice(0, 1500)}\n--- ${report.length > 3000 ? `${report.slice(0, 3000)}…` : report}`);
    },
  };
}

const SQLISH = [
  "' OR 1=1 --",
  '"; drop table users; --',
  "x') union select token_hash from scim_tokens --",
  "\\",
  "%",
  "_%_",
  "$1",
  "::jsonb",
  `\${userName}`, // a template placeholder, sent literally
  "' || pg_sleep(5) || '",
  "1; select pg_terminate_backend(pg_backend_pid())",
  "E'\\x00'",
];
const WEIRD = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "\u202e\u0041",
  "\ufeff",
  "𝟘😀",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "null",
  "undefined",
  "NaN",
  "[object Object]",
];

/** `length` printable ASCII characters from a seed (mulberry32): random, so Postgres cannot compress them. */
function incompressible(length: number, seed: number): string {
  let state = seed >>> 0;
  let out = "";
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out += String.fromCharCode(0x21 + (((t ^ (t >>> 14)) >>> 0) % 94));
  }
  return out;
}

/**
 * Long strings: a repeated character, over every length limit, and random text. "x".repeat(n) compresses
 * to a few bytes, so only random text finds a value too long for a btree index entry (2,704 bytes), which
 * Postgres refuses (54000) where a length check did not (userName, externalId, a group's displayName).
 */
const longString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(17_000, 70_000).map((n) => "x".repeat(n)),
  fc.tuple(fc.constantFrom(513, 3_000), fc.integer()).map(([n, seed]) => incompressible(n, seed)),
);

/** Strings an attacker or a broken client sends: unicode of all planes, lone surrogates, NUL, SQL, huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...SQLISH, ...WEIRD) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-composite", maxLength: 20 }) },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SQLISH), fc.constantFrom(...WEIRD)).map(([a, b]) => a + b) },
);

/** Numbers out of every range (JSON cannot carry NaN; 1e400 is sent as text, see hostileJsonText). */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 63), 2 ** 31, 2 ** 31 - 1, 5e-324, 0.5, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const hostileKey = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "", "a\u0000b", "\ud800") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "userName",
      "active",
      "emails",
      "name",
      "schemas",
      "meta",
      "id",
      "password",
      "licenseType",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
      "urn:scimline:params:scim:schemas:extension:telephony:2.0:User",
    ),
  },
);

/** Any JSON value, with hostile keys and leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(hostileKey, tie("value"), { maxKeys: 5 }),
  ),
})).value;

/** A SCIM user body with some attributes replaced by hostile values (gets deeper than random JSON). */
export const hostileUser: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(
      {
        schemas: fc.oneof(fc.constant(["urn:ietf:params:scim:schemas:core:2.0:User"]), hostileJson),
        userName: fc.oneof(hostileString, hostileJson),
        name: fc.oneof(fc.record({ givenName: hostileString, familyName: hostileString }), hostileJson),
        emails: fc.oneof(
          fc.array(fc.record({ value: hostileString, primary: fc.boolean(), type: hostileString })),
          hostileJson,
        ),
        active: fc.oneof(fc.boolean(), fc.constantFrom("True", "False", "maybe", 1, 0), hostileJson),
        externalId: fc.oneof(hostileString, hostileJson),
        licenseType: fc.oneof(fc.constantFrom("Dialpad_Ai Voice", "dialpad_support", "Gold"), hostileString),
        addresses: fc.oneof(fc.array(fc.record({ country: hostileString, type: hostileString })), hostileJson),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": fc.oneof(
          fc.record({ officeName: hostileString, department: hostileString, licenseType: hostileString }),
          hostileJson,
        ),
        password: fc.oneof(hostileString, hostileJson),
        custom: hostileJson,
      },
      { requiredKeys: [] },
    ),
    fc.option(hostileJson, { nil: undefined }),
  )
  // An own "__proto__" key, as JSON.parse creates it (an object literal would set the prototype instead).
  .map(([user, proto]) =>
    Object.fromEntries([...Object.entries(user), ...(proto === undefined ? [] : [["__proto__", proto]])]),
  );

/** Hostile strings the door accepts (SQL, every plane, RTL, BOM), as opposed to NUL, lone surrogates, 70k. */
const acceptable = fc.oneof(
  {
    weight: 9,
    arbitrary: hostileString.filter((s) => s.isWellFormed() && !s.includes("\u0000") && s.length <= 16_384),
  },
  { weight: 1, arbitrary: hostileString },
);

/** A valid user shape whose free text is hostile: these pass validation and reach the database. */
export const plausibleUser: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    userName: fc.tuple(acceptable, fc.nat()).map(([s, n]) => `${s.slice(0, 40)}.${n}@fuzz.example`),
    name: fc.record({ givenName: acceptable, familyName: acceptable, formatted: acceptable }, { requiredKeys: [] }),
    displayName: acceptable,
    externalId: acceptable,
    title: acceptable,
    active: fc.boolean(),
    emails: fc.array(fc.record({ value: acceptable, type: fc.constantFrom("work", "home", "other") }), {
      maxLength: 3,
    }),
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": fc.record(
      { department: acceptable, officeName: acceptable, employeeNumber: fc.oneof(acceptable, hostileNumber) },
      { requiredKeys: [] },
    ),
    nickName: acceptable,
    customAttribute: hostileJson,
  },
  { requiredKeys: ["userName"] },
);
