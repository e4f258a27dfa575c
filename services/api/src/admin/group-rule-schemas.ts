import { z } from "@hono/zod-openapi";
import { Id, nonEmpty } from "./schemas.ts";

const pathParam = (name: string) => Id.openapi({ param: { name, in: "path" } });
export const RuleParams = z.object({ id: pathParam("id"), ruleId: pathParam("ruleId") });

export const RuleGroup = z
  .union([
    z.strictObject({
      displayName: z.string().trim().min(1).max(256).openapi({
        description: "A pushed group's displayName, in any of the company's directories; compared ignoring case",
        example: "Sales EMEA",
      }),
    }),
    z.strictObject({ id: Id.openapi({ description: "One pushed group, by its SCIM id" }) }),
  ])
  .openapi("GroupRuleGroup", { description: "The group the rule is about: by displayName, or by id" });

const officeId = Id.nullable().openapi({ description: "Members get this office of the company; null: not decided" });
const licenseType = z.string().trim().min(1).max(100).nullable().openapi({
  description: "Members get this license type of the company's catalogue (its name); null: not decided",
  example: "Dialpad_Ai Sales",
});
const priority = z.number().int().min(-1_000_000).max(1_000_000).openapi({
  description: "The higher priority wins when a user is in groups of several rules; on a tie, the rule created first",
  example: 10,
});
const decides = (r: { officeId?: string | null | undefined; licenseType?: string | null | undefined }) =>
  (r.officeId ?? null) !== null || (r.licenseType ?? null) !== null;
const DECIDES = "a rule sets officeId, licenseType or both";

export const GroupRuleCreate = z
  .strictObject({ group: RuleGroup, officeId: officeId.optional(), licenseType: licenseType.optional(), priority })
  .refine(decides, DECIDES)
  .openapi("GroupRuleCreate");

export const GroupRuleUpdate = z
  .strictObject({
    group: RuleGroup.optional(),
    officeId: officeId.optional().openapi({ description: "null: the rule no longer decides the office" }),
    licenseType: licenseType.optional().openapi({ description: "null: the rule no longer decides the license type" }),
    priority: priority.optional(),
  })
  .refine(nonEmpty, "give at least one of group, officeId, licenseType, priority")
  .openapi("GroupRuleUpdate", { minProperties: 1 });

export const GroupRuleView = z
  .object({
    id: Id,
    group: RuleGroup,
    officeId: Id.nullable(),
    licenseType: z.string().nullable(),
    priority: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("GroupRule");

export const GroupRuleList = z.object({
  rules: z.array(GroupRuleView).openapi({ description: "Best first: the order in which rules are applied" }),
  nextCursor: Id.nullable(),
});

export const RuleListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: Id.optional().openapi({ description: "nextCursor of the previous page" }),
});

export { DECIDES, decides };

export const GroupRulePreviewBody = z
  .discriminatedUnion("action", [
    z.strictObject({ action: z.literal("create"), rule: GroupRuleCreate }),
    z.strictObject({ action: z.literal("update"), ruleId: Id, rule: GroupRuleUpdate }),
    z.strictObject({ action: z.literal("delete"), ruleId: Id }),
  ])
  .openapi("GroupRulePreviewRequest", {
    description: "The change to preview: the body of a POST, or of a PATCH of a rule, or a DELETE of one",
  });

const Place = z.object({
  officeId: Id.nullable(),
  officeName: z.string().nullable(),
  licenseType: z.string(),
});

export const GroupRulePreview = z
  .object({
    users: z.array(
      z.object({
        userId: Id,
        userName: z.string(),
        from: Place,
        to: Place,
        seat: z.enum(["kept", "reuse", "buy", "refused", "none"]).openapi({
          description: "Where its seat would come from: kept, a free seat reused, one bought (chargeCents), refused",
        }),
        chargeCents: z.number().int(),
        waitsFor: z.string().nullable().openapi({
          description: "The code it would wait with (no_license_available: auto-purchase is off and no seat is free)",
        }),
        rule: z
          .object({
            id: Id.nullable().openapi({ description: "null: the rule being created" }),
            groupId: Id,
            groupName: z.string(),
          })
          .nullable()
          .openapi({ description: "The rule that would decide, and the pushed group through which it applies" }),
      }),
    ),
    totals: z.object({
      examined: z.number().int().openapi({ description: "Members of the groups the changed rule matches" }),
      changing: z.number().int().openapi({ description: "Users whose office or license type would change" }),
      waiting: z.number().int(),
      seatsToBuy: z.array(
        z.object({
          officeId: Id,
          officeName: z.string(),
          licenseType: z.string(),
          count: z.number().int(),
          chargeCents: z.number().int(),
        }),
      ),
      chargeCents: z.number().int().openapi({ description: "The prorated charges of the seats bought, in total" }),
    }),
  })
  .openapi("GroupRulePreview");
