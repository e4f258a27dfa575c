import { expect, test } from "vitest";
import { createLogger } from "./logger.ts";

test("the secrets the API could log are redacted: an error's password or token, a request's Authorization", () => {
  const lines: string[] = [];
  const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
  const err = Object.assign(new Error("boom"), {
    password: "p@ss-in-error",
    token: "scim_token-in-error",
    cause: { password: "p@ss-in-cause" },
  });
  logger.error({ err }, "unhandled error");
  logger.info({ req: { headers: { authorization: "Bearer scim_header-token" } } }, "request");
  logger.child({ requestId: "r1" }).warn({ err }, "from a child");
  const text = lines.join("\n");
  for (const secret of ["p@ss-in-error", "scim_token-in-error", "p@ss-in-cause", "scim_header-token"]) {
    expect(text).not.toContain(secret);
  }
  expect(lines).toHaveLength(3);
  expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
    service: "api",
    err: { message: "boom", password: "[Redacted]" },
  });
});
