import { z } from "@hono/zod-openapi";
import { EVENT_TYPES, WEBHOOK_URL_MAX_LENGTH } from "@scimline/domain";
import { Id } from "./schemas.ts";

export const WebhookParams = z.object({ id: Id.openapi({ param: { name: "id", in: "path" } }) });

const events = z
  .array(z.enum(EVENT_TYPES))
  .min(1, "must name at least one event type; omit it to receive every type")
  .max(100)
  .openapi({ description: "Event types to deliver; omitted: every type, including types added later" });

export const WebhookCreate = z
  .object({
    url: z.string().min(1).max(WEBHOOK_URL_MAX_LENGTH).openapi({
      description:
        "An https URL (http too when the deployment allows private targets). IP literals must be public addresses; host names are resolved and checked at every delivery.",
      example: "https://hooks.example.com/scimline",
    }),
    events: events.optional(),
  })
  .strict()
  .openapi("WebhookCreate");

const webhookShape = {
  id: Id,
  url: z.string(),
  events: z.array(z.string()).nullable().openapi({ description: "The event types delivered; null: every type" }),
  createdAt: z.string(),
};

export const WebhookView = z.object(webhookShape).openapi("Webhook");

const secret = z.string().openapi({
  description:
    "The signing secret (Standard Webhooks: `whsec_` + base64). Shown only in this answer; Scimline keeps it sealed",
  example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
});

export const WebhookCreated = z.object({ ...webhookShape, secret }).openapi("WebhookCreated");

export const SecretRotated = z.object({ secret }).openapi("WebhookSecretRotated");

export const DeliveryView = z
  .object({
    eventId: Id.openapi({ description: "The event's id: the `webhook-id` header and the body's `id`" }),
    type: z.enum(EVENT_TYPES),
    status: z.enum(["pending", "retrying", "delivered", "failed"]).openapi({
      description:
        "pending: waiting its turn; retrying: attempted and failed, tried again on the retry schedule; delivered: a 2xx answer; failed: the retry schedule was spent",
    }),
    attempts: z.number().int(),
    lastError: z
      .string()
      .nullable()
      .openapi({ description: "Why the last attempt failed (status and start of the answer, or the network error)" }),
    lastAttemptAt: z.string().nullable(),
  })
  .openapi("WebhookDelivery");
