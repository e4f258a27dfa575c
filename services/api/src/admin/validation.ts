import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";

/** zod failures become `400 VALIDATION_FAILED` naming each bad field (never the values). */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every input type
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (result.success) return;
  const details = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
  throw new AdminError("VALIDATION_FAILED", details);
};
