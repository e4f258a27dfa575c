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
