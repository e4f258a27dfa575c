import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { AdminError } from "../errors.ts";
import { usersFromJson } from "./json-users.ts";
import { Slicer } from "./slices.ts";

const split = (text: string) => usersFromJson(text, new Slicer());

async function outcome(text: string): Promise<unknown[] | string> {
  try {
    return await split(text);
  } catch (error) {
    if (error instanceof AdminError) return error.code;
    throw error;
  }
}

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
