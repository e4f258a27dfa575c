import fc from "fast-check";
import { type Token, tokenizer } from "scim2-parse-filter/lib/src/parser.js";
import { describe, expect, it } from "vitest";
import { ScimError } from "../errors.ts";
import { parsePath } from "../patch/path.ts";
import { parseScimFilter } from "./parse.ts";
import { firstControlCharacter, tokenize } from "./tokenize.ts";

/** The library's tokens with its quoted strings read as ours are (JSON, else literal backslashes). */
function libraryTokens(text: string): Token[] | "error" {
  try {
    return tokenizer(text).map((t) => {
      if (t.type !== "Quoted") return t;
      let original = "";
      for (let i = 0; i < t.literal.length; i++) {
        original += t.literal[i];
        if (t.literal[i] === "\\" && t.literal[i + 1] === "\\") i++;
      }
      let value: unknown;
      try {
        value = JSON.parse(original);
      } catch {
        value = JSON.parse(t.literal);
      }
      return { type: "Quoted", literal: JSON.stringify(value) };
    });
  } catch {
    return "error";
  }
}

const ours = (text: string): Token[] | "error" => {
  try {
    return tokenize(text);
  } catch {
    return "error";
  }
};

// Pieces of the filter grammar and of what breaks it, so generated text hits every branch.
const piece = fc.oneof(
  fc.constantFrom("userName", "emails", "name.givenName", "urn:ietf:params:scim:schemas:core:2.0:User:userName"),
  fc.constantFrom(" eq ", " co ", " pr", " and ", " or ", "not ", " ", "\u00a0", "\t"),
  fc.constantFrom("[", "]", "].", "(", ")", '"', "\\", '\\"', "\\\\", "\\u0041", "\\x", "\\\n", "\n", "\r", "\u2028"),
  fc.constantFrom("-", ".", "+", "e", "E", "%", "/", ":", "_", "5", "-1", "1.5", "2e10", "3E-2", "1e+", "0.", "7/"),
  fc.constantFrom('"bjensen"', '"DOMAIN\\user"', '"a\\"b"', '"\\\\"', '"é✓"', "true", "null", "@", "#", "é"),
  fc.string({ maxLength: 3 }),
);
const filterText = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(""));
// The library is exponential in the newlines of an unterminated string: keep its inputs small.
const newlines = (text: string) => text.split(/[\n\r\u2028]/).length - 1;

describe("tokenize", () => {
  it("gives the library's tokens, or fails where it fails, on generated filters", () => {
    fc.assert(
      fc.property(filterText, (text) => {
        fc.pre(newlines(text) <= 12);
        expect(ours(text)).toEqual(libraryTokens(text));
      }),
      { seed: 1212, numRuns: 20_000 },
    );
  });

  it.each([
    ['userName eq "bjensen"', ["userName", "eq", '"bjensen"']],
    ["meta.lastModified gt 2011 and x pr", ["meta.lastModified", "gt", "2011", "and", "x", "pr"]],
    ['emails[type eq "work"].value co "@"', ["emails", "[", "type", "eq", '"work"', "].", "value", "co", '"@"']],
    ["age gt -5", ["age", "gt", "-5"]],
    ['x eq "DOMAIN\\user"', ["x", "eq", '"DOMAIN\\\\user"']],
  ])("reads %j", (text, literals) => {
    expect(tokenize(text).map((t) => t.literal)).toEqual([...literals, ""]);
  });

  // The library's regex takes about 2^n steps here (hours at n = 40); ours reads each character once or twice.
  it.each([
    ["an unterminated string of newlines", `x eq "${"\n".repeat(4000)}`],
    ["escaped newlines", `x eq "${"a\\\n".repeat(1300)}`],
    ["newlines and quotes", `x eq "${'\n\\"'.repeat(1300)}`],
  ])("refuses %s without backtracking", (_, text) => {
    expect(() => tokenize(text)).toThrow(/unexpected token/);
  });

  it("reads a long number followed by a letter as one word", () => {
    const word = `${"1".repeat(2000)}.${"2".repeat(2000)}x`;
    expect(tokenize(`x eq ${word}`).map((t) => t.literal)).toEqual(["x", "eq", word, ""]);
  });
});

describe("control characters", () => {
  it.each([0, 9, 10, 13, 27, 0x7f, 0x85, 0x9f])("U+%s in a filter is 400 invalidFilter", (code) => {
    const char = String.fromCharCode(code);
    for (const text of [`userName eq "a${char}b"`, `userName${char}eq "a"`, `userName eq "${char.repeat(40)}`]) {
      let error: unknown;
      try {
        parseScimFilter(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ScimError);
      expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
      expect((error as ScimError).detail).toContain("control character");
    }
  });

  it("a filter of 40 newlines in an unterminated string is 400 invalidFilter", () => {
    expect(() => parseScimFilter(`userName eq "${"\n".repeat(40)}`)).toThrow(
      expect.objectContaining({ status: 400, scimType: "invalidFilter" }),
    );
  });

  it("a PATCH path with a control character, in or out of its value filter, is 400 invalidPath", () => {
    for (const path of [
      `emails[value eq "${"\n".repeat(40)}`,
      'emails[type eq "work"]\t.value',
      "name.\u0000givenName",
    ]) {
      expect(() => parsePath("User", path)).toThrow(expect.objectContaining({ status: 400, scimType: "invalidPath" }));
    }
  });

  it.each([
    ["", -1],
    ["plain é ✓ \u00a0", -1],
    ["a\u0001", 1],
    ["\u0085", 0x85],
    ["\u007f", 0x7f],
  ])("firstControlCharacter(%j) = %s", (text, code) => {
    expect(firstControlCharacter(text)).toBe(code);
  });
});
