import { createRoute, OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { previewAnswer } from "../preview/respond.ts";
import { companyNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { MAX_RULE_PREVIEW_USERS, previewRuleChange, type RuleChange } from "./group-rule-preview.ts";
import {
  DECIDES,
  decides,
  GroupRuleCreate,
  GroupRuleList,
  GroupRulePreview,
  GroupRulePreviewBody,
  GroupRuleUpdate,
  GroupRuleView,
  RuleListQuery,
  RuleParams,
} from "./group-rule-schemas.ts";
import {
  deleteRule,
  insertRule,
  listRules,
  type RuleFields,
  type GroupRuleView as RuleView,
  ruleNotFound,
  updateRule,
} from "./group-rule-store.ts";
import { body, CompanyParams, ErrorBody, errors, json, NOT_FOUND } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const tags = ["Group rules"];
const EFFECT =
  "Saving reconciles the members of the groups the rule matches (before and after the change) through the provisioning rules: a user moves office and/or license type as the best rule now says (seat released, reused or bought; DID and extension kept), unless an admin pinned it. A user in no ruled group any more keeps what it has.";
const BAD_FIELDS =
  "VALIDATION_FAILED (also when the rule would set neither officeId nor licenseType); UNKNOWN_LICENSE_TYPE (the message lists the company's)";
const REFERENCES = `${NOT_FOUND.company}; OFFICE_NOT_FOUND; GROUP_NOT_FOUND: group.id is not a group pushed to any of the company's directories`;

const create = createRoute({
  method: "post",
  path: "/companies/{id}/group-rules",
  tags,
  summary: "Add a group rule: members of a pushed group get an office and/or a license type",
  description: `Precedence for a user: an office attribute that names an office (officeName, physicalDeliveryOfficeName, department) and a licenseType sent by the identity provider win; else the best matching rule (the highest priority, then the oldest rule); else the usual fallback (country, closest name, main office; the default license type). ${EFFECT}`,
  request: { params: CompanyParams, body: body(GroupRuleCreate) },
  responses: {
    201: json(GroupRuleView, "The rule"),
    ...errors(
      { 400: BAD_FIELDS, 404: REFERENCES, 409: "TOO_MANY_GROUP_RULES: a company has at most 1000" },
      { body: true },
    ),
  },
});

const list = createRoute({
  method: "get",
  path: "/companies/{id}/group-rules",
  tags,
  summary: "The company's group rules, best first",
  request: { params: CompanyParams, query: RuleListQuery },
  responses: { 200: json(GroupRuleList, "Rules"), ...errors({ 404: NOT_FOUND.company }) },
});

const patch = createRoute({
  method: "patch",
  path: "/companies/{id}/group-rules/{ruleId}",
  tags,
  summary: "Change a group rule (absent fields stay; null removes officeId or licenseType)",
  description: EFFECT,
  request: { params: RuleParams, body: body(GroupRuleUpdate) },
  responses: {
    200: json(GroupRuleView, "The rule after the change"),
    ...errors({ 400: BAD_FIELDS, 404: `${REFERENCES}; GROUP_RULE_NOT_FOUND` }, { body: true }),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/companies/{id}/group-rules/{ruleId}",
  tags,
  summary: "Delete a group rule; users it placed keep their office and license type",
  description:
    "Nobody is moved for the rule's sake: its members are reconciled against the rules that remain, so a user still in another ruled group follows that rule, and any other keeps what it has.",
  request: { params: RuleParams },
  responses: { 204: { description: "Deleted" }, ...errors({ 404: `${NOT_FOUND.company}; GROUP_RULE_NOT_FOUND` }) },
});

/** A PATCH's fields over the rule's (absent: unchanged; null: removed); one of office and license must stay. */
function merged(current: RuleView, input: z.infer<typeof GroupRuleUpdate>): RuleFields {
  const next = {
    group: input.group ?? current.group,
    officeId: input.officeId === undefined ? current.officeId : input.officeId,
    licenseType: input.licenseType === undefined ? current.licenseType : input.licenseType,
    priority: input.priority ?? current.priority,
  };
  if (!decides(next)) throw new AdminError("VALIDATION_FAILED", `body: ${DECIDES}`);
  return next;
}

const preview = createRoute({
  method: "post",
  path: "/companies/{id}/group-rules/preview",
  tags,
  summary: "What a rule change would do, before it is saved: who would move, the seats to buy and their cost",
  description:
    "Nothing is written. The members of the groups the changed rule matches (before and after the change) are planned by the worker's own provisioning rules over the company's current state, with the company's rules as they would be. Only users whose office or license type would change, or who would wait (for a seat, with auto-purchase off), are listed.",
  request: { params: CompanyParams, body: body(GroupRulePreviewBody) },
  responses: {
    200: json(GroupRulePreview, "The preview"),
    ...errors(
      {
        400: BAD_FIELDS,
        404: `${REFERENCES}; GROUP_RULE_NOT_FOUND`,
        409: `PREVIEW_TOO_LARGE: the change touches more than ${MAX_RULE_PREVIEW_USERS.toLocaleString("en")} users`,
      },
      { body: true },
    ),
    429: {
      description: "PREVIEW_BUSY: another rule preview is running in this API process; retry after Retry-After seconds",
      content: { "application/json": { schema: ErrorBody } },
    },
  },
});

export function groupRuleRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const sql = deps.database.sql;
  const requireCompany = async (id: string) => {
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
  };

  app.openapi(create, async (c) => {
    const { id } = c.req.valid("param");
    await requireCompany(id);
    const input = c.req.valid("json");
    const rule = await insertRule(sql, id, {
      group: input.group,
      officeId: input.officeId ?? null,
      licenseType: input.licenseType ?? null,
      priority: input.priority,
    });
    return c.json(rule, 201);
  });

  let previewing = 0;
  app.openapi(preview, async (c) => {
    const { id } = c.req.valid("param");
    if (previewing >= 1)
      throw new AdminError("PREVIEW_BUSY", "Another rule preview is running; retry shortly", { "Retry-After": "1" });
    previewing++;
    let streaming = false;
    try {
      const input = c.req.valid("json");
      const change: RuleChange =
        input.action === "create"
          ? {
              action: "create",
              rule: {
                ...input.rule,
                officeId: input.rule.officeId ?? null,
                licenseType: input.rule.licenseType ?? null,
              },
            }
          : input.action === "update"
            ? { action: "update", ruleId: input.ruleId, rule: (current) => merged(current, input.rule) }
            : { action: "delete", ruleId: input.ruleId };
      const result = await previewRuleChange(deps.database, id, change, deps.clock().toISOString().slice(0, 10));
      if (!result) throw companyNotFound(id);
      // Streamed a slice of users per turn: 20,000 users are 9 MB of JSON, one JSON.stringify of them held
      // every other request for 30-110 ms. The next preview may start once the last byte is queued.
      const answer = previewAnswer(c, result, () => previewing--, deps.config.PREVIEW_READ_TIMEOUT_MS);
      streaming = true;
      return answer;
    } finally {
      if (!streaming) previewing--;
    }
  });

  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    await requireCompany(id);
    return c.json(await listRules(sql, id, c.req.valid("query")), 200);
  });

  app.openapi(patch, async (c) => {
    const { id, ruleId } = c.req.valid("param");
    const input = c.req.valid("json");
    const rule = await updateRule(sql, id, ruleId, (current) => merged(current, input));
    if (!rule) {
      await requireCompany(id);
      throw ruleNotFound(id, ruleId);
    }
    return c.json(rule, 200);
  });

  app.openapi(remove, async (c) => {
    const { id, ruleId } = c.req.valid("param");
    if (!(await deleteRule(sql, id, ruleId))) {
      await requireCompany(id);
      throw ruleNotFound(id, ruleId);
    }
    return c.body(null, 204);
  });

  return app;
}
