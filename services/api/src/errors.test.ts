import { describe, expect, it } from "vitest";
import { isUnavailable } from "./errors.ts";

describe("isUnavailable: answered 503 with Retry-After, nothing written", () => {
  it.each<[unknown, boolean, string]>([
    [{ code: "57014" }, true, "statement_timeout cancelled the statement"],
    [{ cause: { code: "57014" } }, true, "the same, wrapped by drizzle"],
    [{ code: "25P03" }, true, "idle_in_transaction_session_timeout ended the session"],
    [{ code: "57P01" }, true, "the backend was terminated"],
    [{ code: "08006" }, true, "the connection failed"],
    [{ code: "CONNECTION_CLOSED" }, true, "postgres.js lost the connection"],
    [{ code: "23505" }, false, "a unique violation is the client's"],
    [new Error("boom"), false, "anything else is a 500"],
  ])("%j → %s (%s)", (error, expected, _why) => {
    expect(isUnavailable(error)).toBe(expected);
  });
});
