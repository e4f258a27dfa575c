import type { Hook, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { refuseOutsizedJson } from "../middleware/storable-text.ts";

/** zod failures become `400 VALIDATION_FAILED` naming each bad field (never the values). */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every input type
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (result.success) return;
  const details = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
  throw new AdminError("VALIDATION_FAILED", details);
};

/**
 * A body that may be absent: clients POST these without one (curl -X POST), or with an empty one
 * under Content-Type: application/json, which Hono's JSON validator refuses. Routes that take one
 * document it and read it here: absent or blank is null; otherwise it must be valid JSON and match.
 */
export async function optionalBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T> | null> {
  const text = await c.req.text();
  if (text.trim() === "") return null;
  // Read whatever its Content-Type says, so the shape limits the middleware applies to JSON types apply here.
  refuseOutsizedJson(text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AdminError("INVALID_JSON", "The request body is not valid JSON");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    throw new AdminError("VALIDATION_FAILED", details);
  }
  return parsed.data;
}
