import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { type Parsed, parseBody } from "../preview/admit.ts";
import { MAX_PREVIEW_USERS, usersFromCsv } from "../preview/csv.ts";
import { usersFromJson } from "../preview/json-users.ts";
import { previewOnboarding } from "../preview/preview.ts";
import { previewAnswer } from "../preview/respond.ts";
import { mapInSlices, Slicer } from "../preview/slices.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { CSV_EXAMPLE, PreviewJsonBody, PreviewResult } from "./preview-schemas.ts";
import { CompanyParams, ErrorBody, errors, json, NOT_FOUND } from "./schemas.ts";
import { validationHook } from "./validation.ts";

/** This route's body limit; every other route keeps 1 MiB. */
export const MAX_PREVIEW_BYTES = 16 * 1024 * 1024;
/** Previews one API process runs at once: each holds its users and answer in memory (tens of MB at 10,000). */
export const MAX_CONCURRENT_PREVIEWS = 2;
export const PREVIEW_PATH = /^\/api\/v1\/companies\/[^/]+\/provisioning\/preview\/?$/;

const errorBody = { "application/json": { schema: ErrorBody } };

const preview = createRoute({
  method: "post",
  path: "/companies/{id}/provisioning/preview",
  tags: ["Provisioning preview"],
  summary: "Preview an onboarding: where each user would land, what it would cost, nothing written",
  description: `Runs the door's checks and the worker's own provisioning plan over the company's current state (offices, seats, free numbers and extensions) for up to ${MAX_PREVIEW_USERS.toLocaleString("en")} new users, as if one batch created them all in the order given, and writes nothing. \`users[i]\` answers the i-th user of the request (the i-th data row of a CSV). A user the door would refuse (invalid, unknown license type, userName taken or repeated, no seat with auto-purchase off) and a user that would wait (\`no_license_available\`, \`no_office\`, \`no_extension_available\`) has \`seat: "refused"\` and a \`refusal\`. Offices chosen by country or closest name among several candidates may differ in the real run, which sees seats taken as it goes (docs/decisions).\n\nBody: JSON \`{users: [SCIM User, ...]}\`, or \`text/csv\` with a header row whose column names (case-insensitive) may be ours or Okta's user-profile names (README "Preview an onboarding"). At most 16 MiB.`,
  request: {
    params: CompanyParams,
    body: {
      required: false,
      content: {
        // A reference, not the zod schema: the route reads the JSON itself, a part at a time (no validator).
        "application/json": { schema: { $ref: "#/components/schemas/PreviewRequest" } },
        "text/csv": { schema: z.string().openapi({ example: CSV_EXAMPLE }) },
      },
    },
  },
  responses: {
    200: json(PreviewResult, "Per user, the office, seat, charge, number and refusal; and the totals"),
    ...errors(
      {
        400: "VALIDATION_FAILED (JSON: `users` missing, not an array or longer than 10,000), INVALID_JSON, or INVALID_CSV (not CSV; no userName/login column; two columns for one attribute; more than 10,000 rows, 200 columns or 4,096 characters in a field)",
        404: NOT_FOUND.company,
      },
      { body: true },
    ),
    413: { description: "PAYLOAD_TOO_LARGE: the body is larger than 16 MiB", content: errorBody },
    415: {
      description: "UNSUPPORTED_MEDIA_TYPE: the body is neither application/json nor text/csv",
      content: errorBody,
    },
    429: {
      description: `PREVIEW_BUSY: ${MAX_CONCURRENT_PREVIEWS} previews are running in this API process; retry after Retry-After seconds`,
      content: errorBody,
    },
  },
});

export function previewRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openAPIRegistry.register("PreviewRequest", PreviewJsonBody);
  app.use(
    "/companies/:id/provisioning/preview",
    bodyLimit({
      maxSize: MAX_PREVIEW_BYTES,
      onError: () => {
        throw new AdminError("PAYLOAD_TOO_LARGE", "The request body is larger than 16 MiB");
      },
    }),
  );

  let running = 0;
  app.openapi(preview, async (c) => {
    const { id } = c.req.valid("param");
    if (running >= MAX_CONCURRENT_PREVIEWS) {
      throw new AdminError("PREVIEW_BUSY", "Other previews are running; retry shortly", { "Retry-After": "2" });
    }
    running++;
    let streaming = false;
    try {
      // Before reading 10,000 rows for nothing; the snapshot checks again, in its own transaction.
      if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      const slicer = new Slicer();
      let parsed: Parsed[];
      if (type === "text/csv")
        parsed = await mapInSlices(await usersFromCsv(await c.req.text(), slicer), parseBody, slicer);
      else if (type !== undefined && /^application\/([\w.-]+\+)?json$/.test(type)) {
        parsed = await usersFromJson(await c.req.text(), slicer, parseBody);
      } else throw new AdminError("UNSUPPORTED_MEDIA_TYPE", "Send application/json or text/csv");
      const today = deps.clock().toISOString().slice(0, 10);
      const result = await previewOnboarding(deps.database, id, parsed, today, slicer);
      if (!result) throw companyNotFound(id);
      const answer = previewAnswer(c, result, () => running--, deps.config.PREVIEW_READ_TIMEOUT_MS);
      streaming = true;
      return answer;
    } finally {
      if (!streaming) running--;
    }
  });
  return app;
}
