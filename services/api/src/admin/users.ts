import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { retryUsers } from "@scimline/db";
import { MAX_EXTENSION, parseExtension } from "@scimline/domain";
import type { AppDeps, AppEnv } from "../deps.ts";
import { deleteUser } from "../use-cases/users/user-delete.ts";
import { companyNotFound, userNotFound } from "./companies.ts";
import { findCompany } from "./company-store.ts";
import { decideHeld } from "./held-changes.ts";
import { body, CROSS_SITE, E164, errors, Id, json, NOT_FOUND, nonEmpty, UserParams } from "./schemas.ts";
import { findTeamMember, TeamMember } from "./team.ts";
import { changeUser } from "./user-change.ts";
import { moveUser } from "./user-move.ts";
import { validationHook } from "./validation.ts";

const tags = ["Team"];

// Extensions are shown as strings (the SCIM telephony extension) and stored as integers: both are accepted.
const Extension = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const extension = parseExtension(value);
    if (extension === null) {
      ctx.addIssue({ code: "custom", message: `must be 1-9 digits (0-${MAX_EXTENSION})` });
      return z.NEVER;
    }
    return extension;
  })
  .openapi({
    description: "An extension inside the company's range, as a number or a string of digits",
    example: "205",
  });

export const UserChange = z
  .strictObject({
    licenseType: z.string().trim().min(1).max(100).optional().openapi({
      description:
        "A license type name of the company's catalogue: the seat moves to one of the new type (reused or bought), and a DID is allocated or released as the new type requires",
    }),
    officeId: Id.optional().openapi({
      description:
        "Move the user to this office of the company: its seat moves (reused or bought there); DID and extension stay",
    }),
    did: E164.optional().openapi({ description: "An unassigned number of the company's pool" }),
    extension: Extension.optional(),
    pinned: z.boolean().optional().openapi({
      description:
        "Whether group rules leave the user alone. A license type or office change pins the user; false lets the rules decide again at once (the user may move office or license type as its groups say)",
    }),
  })
  .refine(nonEmpty, "give at least one of licenseType, officeId, did, extension, pinned")
  .openapi("UserChange", { minProperties: 1 });

const get = createRoute({
  method: "get",
  path: "/companies/{id}/users/{userId}",
  tags,
  summary: "One user as the team list shows it (suspended ones too; deleted ones are gone)",
  request: { params: UserParams },
  responses: { 200: json(TeamMember, "The user"), ...errors({ 404: NOT_FOUND.user }) },
});

const patch = createRoute({
  method: "patch",
  path: "/companies/{id}/users/{userId}",
  tags,
  summary: "Change a user's license type, office, DID or extension (the only place they change), or its pin",
  description:
    "Applied at once with the provisioning rules, and recorded on the user's timeline: a new license type or office moves the seat (the old one is released; one is reused or bought in the target, with its prorated charge) and allocates or releases a DID as the license type requires; a DID or extension replaces the user's, whose old one goes back to the pool. A suspended user's new license takes its seat on reactivation. A license type or office change pins the user against group rules; `pinned: false` clears the pin and applies the rules at once. When a number must come from the carrier, the user shows `provisioning` until the worker has bought it.",
  request: { params: UserParams, body: body(UserChange) },
  responses: {
    200: json(TeamMember, "The user after the change"),
    ...errors(
      {
        400: "VALIDATION_FAILED; UNKNOWN_LICENSE_TYPE (the message lists the company's); LICENSE_HAS_NO_DID; EXTENSION_OUT_OF_RANGE",
        404: `${NOT_FOUND.user}; NUMBER_NOT_FOUND: the number is not in the company's pool; OFFICE_NOT_FOUND`,
        409: "NUMBER_TAKEN; EXTENSION_TAKEN; NO_LICENSE_AVAILABLE: auto-purchase is off and the target office has no free seat of the user's (new) license type (also when clearing the pin would move the user there); SPEND_CAP_REACHED: the seat it needs would pass the monthly spend cap",
      },
      { body: true },
    ),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/companies/{id}/users/{userId}",
  tags,
  summary: "Delete a user, as a SCIM DELETE would (for identity providers that never send one, such as Okta)",
  description:
    "The user is gone at once: 404 over SCIM, absent from the team list and from search, its personal data scrubbed and its userName free again. The worker then frees its seat (no refund), returns its DID to the unassigned pool of its office and frees its extension; an audit event keeps only the user's id and the time. If the identity provider still has the user assigned, it will create a new one on its next push.",
  request: { params: UserParams },
  responses: { 204: { description: "Deleted" }, ...errors({ 404: NOT_FOUND.user }) },
});

const retry = createRoute({
  method: "post",
  path: "/companies/{id}/users/{userId}/retry",
  tags,
  summary: "Retry a user's provisioning (after adding seats, numbers or an office); it continues where it stopped",
  request: { params: UserParams },
  responses: {
    202: json(z.object({ id: Id, status: z.string(), generation: z.number().int() }), "Queued"),
    ...errors({ 403: CROSS_SITE, 404: NOT_FOUND.user }),
  },
});

const move = createRoute({
  method: "post",
  path: "/companies/{id}/users/{userId}/move",
  tags,
  summary: "Re-home a user: another directory of the company owns it from now on",
  description:
    "Same id, office, seat, DID and extension; nothing is provisioned again. The new directory sees and manages the user, the old one no longer does (unless it is the master). A user the master directory changed is handed back to its owner by moving it to the directory that owns it. Recorded as `user.directory_changed`.",
  request: { params: UserParams, body: body(z.strictObject({ directoryId: Id }).openapi("UserMove")) },
  responses: {
    200: json(TeamMember, "The user after the move"),
    ...errors(
      {
        404: `${NOT_FOUND.user}; DIRECTORY_NOT_FOUND (also for another company's directory)`,
        409: "OUTSIDE_DOMAINS: the user's domain is not one of the directory's; EXTERNAL_ID_TAKEN: the directory has another user with its externalId; USER_CHANGED: retry",
      },
      { body: true },
    ),
  },
});

export function userAdminRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(get, async (c) => {
    const { id, userId } = c.req.valid("param");
    const user = await findTeamMember(deps.database, id, userId);
    if (!user) throw await userNotFound(deps.database, id, userId);
    return c.json(user, 200);
  });

  app.openapi(patch, async (c) => {
    const { id, userId } = c.req.valid("param");
    const today = deps.clock().toISOString().slice(0, 10);
    if (!(await changeUser(deps.database, id, userId, c.req.valid("json"), today))) {
      throw await userNotFound(deps.database, id, userId);
    }
    const user = await findTeamMember(deps.database, id, userId);
    if (!user) throw await userNotFound(deps.database, id, userId);
    return c.json(user, 200);
  });

  app.openapi(remove, async (c) => {
    const { id, userId } = c.req.valid("param");
    // The same statement as SCIM DELETE: desired state "deleted", a new generation and its outbox row.
    const member = await findTeamMember(deps.database, id, userId);
    if (await deleteUser(deps.database, { companyId: id }, userId)) {
      // Request-log lines still buffered here forget the name too (the stored ones forgot it in the delete).
      if (member) deps.requestLog?.forget(id, member.userName);
      return c.body(null, 204);
    }
    // A user whose SCIM delete the breaker holds: deleting it confirms that delete.
    const [held] = await deps.database.sql<{ id: string }[]>`
      select id from held_changes where company_id = ${id} and user_id = ${userId} and kind = 'delete'`;
    if (!held || (await decideHeld(deps.database, id, "confirm", [held.id])) === 0) {
      throw await userNotFound(deps.database, id, userId);
    }
    return c.body(null, 204);
  });

  app.openapi(retry, async (c) => {
    const { id, userId } = c.req.valid("param");
    const q = deps.database.sql;
    const [row] = await retryUsers(q, q`id = ${userId} and company_id = ${id} and deleted_at is null`);
    if (!row) throw await userNotFound(deps.database, id, userId);
    return c.json(row, 202);
  });

  app.openapi(move, async (c) => {
    const { id, userId } = c.req.valid("param");
    if (!(await findCompany(deps.database, id))) throw companyNotFound(id);
    if (!(await moveUser(deps.database, id, userId, c.req.valid("json").directoryId))) {
      throw await userNotFound(deps.database, id, userId);
    }
    const user = await findTeamMember(deps.database, id, userId);
    if (!user) throw await userNotFound(deps.database, id, userId);
    return c.json(user, 200);
  });

  return app;
}
