import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { AdminError } from "../errors.ts";
import { usersFromJson } from "./json-users.ts";
import { Slicer } from "./slices.ts";

const split = (text: string) => usersFromJson(text, new Slicer());

/** What the whole-body JSON.parse says: the users, or the error code the route must answer. */
function oracle(text: string): unknown[] | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "INVALID_JSON";
  }
  const users = typeof body === "object" && body !== null ? (body as { users?: unknown }).users : undefined;
  if (Array.isArray(body) || !Array.isArray(users) || users.length > 10_000) return "VALIDATION_FAILED";
  return users;
}

async function outcome(text: string): Promise<unknown[] | string> {
  try {
    return await split(text);
  } catch (error) {
    if (error instanceof AdminError) return error.code;
    throw error;
  }
}

describe("usersFromJson: the users array parsed a part at a time, exactly as JSON.parse would", () => {
  test.each<[string, string]>([
    ["the usual body", '{"users":[{"userName":"a"},{"userName":"b"}]}'],
    ["white space everywhere", ' \n{ "users" : [ { "userName" : "a" } ,\t"x" , 1 , null ] }\r\n'],
    ["brackets, commas and quotes inside strings", '{"users":[{"userName":"a,]}[{\\"b"},"\\\\"]}'],
    ["other keys before and after, nested users keys", '{"a":{"users":[9]},"users":[1,[2,3],{"users":4}],"b":[5]}'],
    ["an escaped key", '{"us\\u0065rs":[1,2]}'],
    ["the last users key wins", '{"users":[1],"users":[2,3]}'],
    ["a later users key that is no array", '{"users":[1],"users":5}'],
    ["an empty array", '{"users":[]}'],
    ["a trailing comma", '{"users":[1,]}'],
    ["a missing comma", '{"users":[1 2]}'],
    ["an unclosed string", '{"users":["a]}'],
    ["an unclosed array", '{"users":[1,2'],
    ["garbage after the body", '{"users":[1]} x'],
    ["a top-level array", '[{"users":[1]}]'],
    ["no users key", '{"people":[1]}'],
    ["users not an array", '{"users":{"a":1}}'],
    ["a closing bracket too many", '{"users":[1]]}'],
    ["an own __proto__ key kept as data", '{"users":[{"__proto__":{"x":1},"userName":"p"}]}'],
    ["nothing", ""],
  ])("%s", async (_, text) => {
    expect(await outcome(text)).toEqual(oracle(text));
  });

  test("__proto__ stays an own property, as JSON.parse leaves it", async () => {
    const [user] = (await split('{"users":[{"__proto__":{"isAdmin":true}}]}')) as Array<Record<string, unknown>>;
    expect(Object.keys(user ?? {})).toEqual(["__proto__"]);
    expect((user as { isAdmin?: boolean }).isAdmin).toBeUndefined();
  });

  test("10,000 users are taken, 10,001 refused", async () => {
    expect(await split(`{"users":[${Array(10_000).fill("{}").join(",")}]}`)).toHaveLength(10_000);
    expect(await outcome(`{"users":[${Array(10_001).fill("{}").join(",")}]}`)).toBe("VALIDATION_FAILED");
  });

  test("property: any JSON, any users, any cut or insertion: the same answer as JSON.parse", async () => {
    const body = fc.oneof(
      fc.array(fc.jsonValue(), { maxLength: 6 }).map((users) => JSON.stringify({ users })),
      fc
        .tuple(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), fc.array(fc.jsonValue(), { maxLength: 4 }))
        .map(([rest, users]) => JSON.stringify({ ...rest, users, ...rest }, null, 1)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    const mutated = fc.oneof(
      { weight: 3, arbitrary: body },
      {
        weight: 2,
        arbitrary: fc
          .tuple(body, fc.nat(), fc.constantFrom("", "[", "]", "{", "}", ",", '"', "\\", ":", " ", "x"))
          .map(
            ([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1)),
          ),
      },
      { weight: 1, arbitrary: fc.tuple(body, fc.nat()).map(([text, at]) => text.slice(0, at % (text.length + 1))) },
    );
    await fc.assert(
      fc.asyncProperty(mutated, async (text) => {
        expect(await outcome(text)).toEqual(oracle(text));
      }),
      { numRuns: 2_000 },
    );
  });
});

const USERS = [{ userName: "a@example.com" }, { userName: "b@example.com", emails: [{ value: "b\\@x" }] }];

// The key check runs at every top-level colon: what it reads must end at the key (it once searched
// to the end of the body for a backslash, so 3.8 MB of `"a":0,` kept the event loop 25 s). Speed is
// measured by script; these pin what it finds.
describe("usersFromJson: the top-level users key among many others", () => {
  test("60,000 keys before and after users: the same users as the body without them", async () => {
    const plain = await split(JSON.stringify({ users: USERS }));
    const keys = '"a":0,'.repeat(60_000);
    const crowded = await split(`{${keys}"users":${JSON.stringify(USERS)},${keys}"b":"\\n"}`);
    expect(crowded).toEqual(plain);
    expect(crowded).toEqual(USERS);
  });

  test("escaped keys among them: an escaped users key is found, others are not taken for it", async () => {
    const escaped = '"a\\n":0,"\\u0061":[1],'.repeat(20_000);
    expect(await split(`{${escaped}"users":${JSON.stringify(USERS)},${escaped}"c":1}`)).toEqual(USERS);
    expect(await split(`{${escaped}"\\u0075sers":${JSON.stringify(USERS)},${escaped}"c":1}`)).toEqual(USERS);
  });

  test.each<[string, string]>([
    ["every letter escaped (the longest spelling)", '"\\u0075\\u0073\\u0065\\u0072\\u0073"'],
    ["one letter escaped", '"use\\u0072s"'],
    ["an escaped solidus is no users", '"users\\/"'],
    ["one character too long", '"\\u0075\\u0073\\u0065\\u0072\\u0073 "'],
    ["a long escaped key", `"\\u0075sers${"x".repeat(100)}"`],
    ["users with an escaped quote inside", '"us\\"ers"'],
  ])("%s: as JSON.parse reads it", async (_, key) => {
    const text = `{"users":[1],${key}:[2,3]}`;
    const expected = (JSON.parse(text) as { users: unknown[] }).users;
    expect(await split(text)).toEqual(expected);
  });

  test("property: any key, escaped in any way, is users exactly when JSON.parse says so", async () => {
    const escapeSome = (key: string, mask: number[]) =>
      [...key]
        .map((ch, i) =>
          (mask[i] ?? 0) % 3 === 0
            ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`
            : JSON.stringify(ch).slice(1, -1),
        )
        .join("");
    const key = fc.oneof(fc.constantFrom("users", "user", "userss", "Users", "usErs"), fc.string({ maxLength: 8 }));
    await fc.assert(
      fc.asyncProperty(key, fc.array(fc.nat(), { maxLength: 8 }), async (k, mask) => {
        const text = `{"users":[0],"${escapeSome(k, mask)}":[1],"x":0}`;
        const expected = (JSON.parse(text) as { users: unknown }).users;
        expect(await outcome(text)).toEqual(Array.isArray(expected) ? expected : "VALIDATION_FAILED");
      }),
      { numRuns: 1_000 },
    );
  });

  test("a long escaped key followed by many colons is refused as JSON.parse refuses it", async () => {
    const text = `{"\\u0061${"a".repeat(100_000)}"${":".repeat(100_000)}0,"users":[1]}`;
    expect(await outcome(text)).toBe("INVALID_JSON");
  });
});
