import { z } from "@hono/zod-openapi";
import { EVENT_TYPES, PROVISIONING_ERROR_CODES, type EventType as Type } from "@scimline/domain";
import { Id } from "./schemas.ts";

const licenseType = z.string().openapi({ description: "The license type's name" });
const cause = z.enum(["admin", "groupRule"]);
const heldKind = z.enum(["deactivate", "delete"]);
const extension = z.string().openapi({ description: "Digits, as in SCIM; removed once the user is erased" });
const e164 = z.string().openapi({ description: "E.164; removed once the user is erased" });
const empty = z.object({});
/** Present when a group rule decided: the rule, and the pushed group the user is in that it matched. */
const ruleRef = {
  ruleId: Id.optional().openapi({ description: "The group rule (cause or matchedBy groupRule)" }),
  groupId: Id.optional().openapi({ description: "The pushed group through which the rule applied" }),
  groupName: z.string().optional().openapi({ description: "That group's displayName" }),
};

/** Each event type's `data`: ids, codes and company data; an erased user's events lose the personal keys. */
const DATA: { [T in Type]: z.ZodObject } = {
  "user.accepted": z.object({ directoryId: Id, licenseType }),
  "user.office_matched": z.object({
    officeId: Id,
    officeName: z.string(),
    matchedBy: z.string().openapi({ description: "The rule that chose the office" }),
    matchedValue: z.string().nullable().optional().openapi({ description: "The user's value it matched" }),
    ...ruleRef,
  }),
  "seat.reused": z.object({ officeId: Id, licenseType }),
  "seat.purchased": z.object({
    officeId: Id,
    licenseType,
    chargeId: Id,
    chargeCents: z.number().int().openapi({ description: "The prorated charge" }),
  }),
  "seat.released": z.object({ officeId: Id, licenseType }),
  "number.assigned": z.object({
    e164: e164.optional(),
    source: z.enum(["officePool", "unboundPool", "carrier"]),
    cause: z.literal("admin").optional(),
  }),
  "number.released": z.object({ e164: e164.optional() }),
  "extension.assigned": z.object({ extension: extension.optional(), cause: z.literal("admin").optional() }),
  "extension.released": z.object({ extension: extension.optional() }),
  "user.provisioned": z.object({
    officeId: Id,
    licenseType,
    did: e164.nullable().optional(),
    extension: extension.nullable().optional(),
  }),
  "user.failed": z.object({ code: z.enum(PROVISIONING_ERROR_CODES) }),
  "user.retried": z.object({ previousCode: z.string().nullable() }),
  "user.suspended": empty,
  "user.reactivated": empty,
  "user.deleted": empty,
  "user.changed_by_admin": z.object({ fields: z.array(z.string()) }),
  "user.office_changed": z.object({ fromOfficeId: Id.nullable(), toOfficeId: Id, cause, ...ruleRef }),
  "user.license_changed": z.object({ from: licenseType, to: licenseType, cause, ...ruleRef }),
  "user.held": z.object({ kind: heldKind, directoryId: Id }),
  "user.held_confirmed": z.object({ kind: heldKind }),
  "user.held_rejected": z.object({ kind: heldKind }),
  "user.adopted": z.object({ fromDirectoryId: Id, toDirectoryId: Id }),
  "user.directory_changed": z.object({ fromDirectoryId: Id, toDirectoryId: Id }),
  "capacity.seats_low": z.object({ officeId: Id, licenseType, free: z.number().int(), threshold: z.number().int() }),
  "capacity.numbers_low": z.object({ officeId: Id.nullable(), free: z.number().int(), threshold: z.number().int() }),
};

const envelope = <T extends Type>(type: T) =>
  z
    .object({
      id: Id.openapi({ description: "Unique; the webhook-id of its deliveries" }),
      at: z.string().openapi({ description: "When the change was made (ISO 8601)" }),
      type: z.literal(type),
      userId: Id.nullable(),
      data: DATA[type],
    })
    .openapi(`Event_${type.replace(".", "_")}`);

const [first, second, ...rest] = EVENT_TYPES.map(envelope);
if (!first || !second) throw new Error("the event list is empty");

/** One event: `{id, at, type, userId, data}`, `data` documented per type. */
export const EventView = z.discriminatedUnion("type", [first, second, ...rest]).openapi("Event");
export type EventView = z.infer<typeof EventView>;

export const EventType = z.enum(EVENT_TYPES);
