import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { generateWebhookSecret, webhookSealKeys } from "@scimline/db";
import { checkWebhookUrl, type EventType } from "@scimline/domain";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { body, CompanyParams, errors, json, NOT_FOUND } from "./schemas.ts";
import { validationHook } from "./validation.ts";
import {
  DeliveryView,
  SecretRotated,
  WebhookCreate,
  WebhookCreated,
  WebhookParams,
  WebhookView,
} from "./webhook-schemas.ts";
import {
  deleteWebhook,
  deliveryPage,
  findWebhook,
  insertWebhook,
  isDeliveryCursor,
  listWebhooks,
  MAX_WEBHOOKS_PER_COMPANY,
  rotateWebhookSecret,
  webhookView,
} from "./webhook-store.ts";

const tags = ["Webhooks"];
const WEBHOOK_NOT_FOUND = "WEBHOOK_NOT_FOUND (also for a deleted webhook)";
const notFound = (id: string) => new AdminError("WEBHOOK_NOT_FOUND", `Webhook ${id} not found`);

const create = createRoute({
  method: "post",
  path: "/companies/{id}/webhooks",
  tags,
  summary: "Add an endpoint for signed events; the signing secret is shown only in this answer",
  description:
    "Every event of the company committed from now on (of the types asked for) is POSTed to `url` as `{id, at, type, userId, data}`, signed as Standard Webhooks specifies (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`). One endpoint's events go out one at a time, in feed order; a failed attempt is retried with exponential backoff for more than 24 hours.",
  request: { params: CompanyParams, body: body(WebhookCreate) },
  responses: {
    201: json(WebhookCreated, "The endpoint and its secret, shown once"),
    ...errors(
      {
        400: "VALIDATION_FAILED: a bad url (not https, credentials in it, a private, loopback or link-local IP literal) or an unknown event type; INVALID_JSON",
        404: NOT_FOUND.company,
        409: `WEBHOOK_LIMIT_REACHED: the company has ${MAX_WEBHOOKS_PER_COMPANY} webhooks`,
      },
      { body: true },
    ),
  },
});

const list = createRoute({
  method: "get",
  path: "/companies/{id}/webhooks",
  tags,
  summary: "The company's webhooks (never their secrets)",
  request: { params: CompanyParams },
  responses: {
    200: json(z.object({ webhooks: z.array(WebhookView) }), "Webhooks, oldest first"),
    ...errors({ 404: NOT_FOUND.company }),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/webhooks/{id}",
  tags,
  summary: "Delete a webhook: no delivery starts after this (one in flight may still arrive)",
  request: { params: WebhookParams },
  responses: { 204: { description: "Deleted" }, ...errors({ 404: WEBHOOK_NOT_FOUND }) },
});

const rotate = createRoute({
  method: "post",
  path: "/webhooks/{id}/rotate-secret",
  tags,
  summary: "A new signing secret, shown only in this answer",
  description:
    "Deliveries are signed with the new secret from now on, including retries of earlier events. For WEBHOOK_SECRET_GRACE_SECONDS (24 h by default) they carry a second signature with the old secret (`v1,<new> v1,<old>`), so a receiver still verifying with the old secret loses nothing while it is updated.",
  request: { params: WebhookParams },
  responses: { 200: json(SecretRotated, "The new secret, shown once"), ...errors({ 404: WEBHOOK_NOT_FOUND }) },
});

const deliveries = createRoute({
  method: "get",
  path: "/webhooks/{id}/deliveries",
  tags,
  summary: "The webhook's deliveries, newest event first",
  description:
    "One entry per event the webhook subscribes to since it was created: waiting its turn (`pending`), being retried (`retrying`), `delivered`, or `failed` once the retry schedule was spent. Page with `cursor` = the previous `nextCursor` (null on the last page).",
  request: {
    params: WebhookParams,
    query: z.object({
      cursor: z.string().max(200).refine(isDeliveryCursor, "not a cursor of this list").optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: json(z.object({ deliveries: z.array(DeliveryView), nextCursor: z.string().nullable() }), "A page"),
    ...errors({ 404: WEBHOOK_NOT_FOUND }),
  },
});

export function webhookRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { config } = deps;
  const keys = webhookSealKeys(config.WEBHOOK_SECRET_KEY, config.ADMIN_API_KEY);

  app.openapi(create, async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const url = checkWebhookUrl(input.url, config.WEBHOOKS_ALLOW_PRIVATE_TARGETS);
    if (!url.ok) throw new AdminError("VALIDATION_FAILED", `url: ${url.reason}`);
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    const secret = generateWebhookSecret();
    const events = input.events ? ([...new Set(input.events)] as EventType[]) : null;
    const row = await insertWebhook(deps.database, keys, { companyId: id, url: url.url, events, secret });
    if (!row) {
      throw new AdminError(
        "WEBHOOK_LIMIT_REACHED",
        `Company ${id} has ${MAX_WEBHOOKS_PER_COMPANY} webhooks; delete one first`,
      );
    }
    return c.json({ ...webhookView(row), secret }, 201);
  });

  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    return c.json({ webhooks: (await listWebhooks(deps.database, id)).map(webhookView) }, 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await deleteWebhook(deps.database, id))) throw notFound(id);
    return c.body(null, 204);
  });

  app.openapi(rotate, async (c) => {
    const { id } = c.req.valid("param");
    const secret = generateWebhookSecret();
    if (!(await rotateWebhookSecret(deps.database, keys, id, secret, config.WEBHOOK_SECRET_GRACE_SECONDS))) {
      throw notFound(id);
    }
    return c.json({ secret }, 200);
  });

  app.openapi(deliveries, async (c) => {
    const { id } = c.req.valid("param");
    const webhook = await findWebhook(deps.database, id);
    if (!webhook) throw notFound(id);
    return c.json(await deliveryPage(deps.database, webhook, c.req.valid("query")), 200);
  });

  return app;
}
