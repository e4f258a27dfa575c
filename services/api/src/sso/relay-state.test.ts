import { describe, expect, it } from "vitest";
import { safeRelayState } from "./relay-state.ts";

const ORIGIN = "https://scim.example.com";

describe("safeRelayState", () => {
  it.each([
    ["/", "/"],
    ["/app", "/app"],
    ["/app/settings?tab=sso#top", "/app/settings?tab=sso#top"],
    ["/a/./b/../c", "/a/c"],
    ["/caf%C3%A9", "/caf%C3%A9"],
  ])("keeps the path %j as %j", (value, expected) => {
    expect(safeRelayState(value, ORIGIN)).toBe(expected);
  });

  // The classic open-redirect bypasses: each would send a browser (or a front end that redirects to it) elsewhere.
  it.each([
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\n/evil.example",
    "/\u0000/evil.example",
    "/ /evil.example",
    "//evil.example",
    "///evil.example",
    "//evil.example/%2F..",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5C/evil.example",
    "/%5c%5cevil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0D%0A/evil.example",
    "/..//evil.example",
    "/.//evil.example",
    "/%2e%2e//evil.example",
    "https://evil.example",
    "http:/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    " /app",
    "/app\u2028",
    "/\u3002evil.example",
    "",
    `/${"a".repeat(80)}`,
  ])("refuses %j", (value) => {
    expect(safeRelayState(value, ORIGIN)).toBeNull();
  });

  it("refuses anything when the service origin itself is not a URL", () => {
    expect(safeRelayState("/app", "not a url")).toBeNull();
  });
});
