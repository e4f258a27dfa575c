import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { unstorableAt, unstorableText } from "../middleware/storable-text.ts";

/**
 * A JSON body validated like the admin API's (fields named, values never echoed). JSON only:
 * a cross-site HTML form cannot send it without a CORS preflight (no login CSRF).
 */
export async function readJson<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.infer<T>> {
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(c.req.header("content-type") ?? ""))
    throw new AdminError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json");
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new AdminError("VALIDATION_FAILED", "body: not valid JSON");
  }
  const unstorable = unstorableAt(body, "body");
  if (unstorable) throw unstorableText(unstorable);
  const result = schema.safeParse(body);
  if (!result.success) {
    const details = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    throw new AdminError("VALIDATION_FAILED", details);
  }
  return result.data;
}
