import { describe, expect, test } from "vitest";
import { ADMIN_ERRORS, AdminError } from "./errors.ts";

describe("the admin error catalogue", () => {
  test("a code always answers with its one status", () => {
    for (const [code, status] of Object.entries(ADMIN_ERRORS)) {
      expect(new AdminError(code as keyof typeof ADMIN_ERRORS, "m").status).toBe(status);
    }
  });

  test("codes are UPPER_SNAKE and statuses 4xx or 5xx", () => {
    for (const [code, status] of Object.entries(ADMIN_ERRORS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(status).toBeGreaterThanOrEqual(400);
    }
  });

  test("Hono's own refusals keep their status under HTTP_ERROR", () => {
    expect(AdminError.fromHttp(405, "Method Not Allowed")).toMatchObject({ code: "HTTP_ERROR", status: 405 });
  });
});
