import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps, AppEnv } from "../deps.ts";
import { AdminError } from "../errors.ts";
import { userNotFound } from "./companies.ts";
import { errors, json, NOT_FOUND, UserParams } from "./schemas.ts";
import { findTeamMember } from "./team.ts";
import { validationHook } from "./validation.ts";

const tags = ["Single sign-on"];
const Provider = z.enum(["google", "microsoft"]).openapi({ param: { name: "provider", in: "path" } });

const SignInIdentity = z
  .object({
    provider: z.enum(["google", "microsoft"]),
    subject: z.string().openapi({
      description: "The provider's stable id of the account: Google's `sub`, Microsoft's `tid/oid`",
    }),
    linkedAt: z.string().openapi({ format: "date-time", description: "The first sign-in, which linked it" }),
  })
  .openapi("SignInIdentity");

const list = createRoute({
  method: "get",
  path: "/companies/{id}/users/{userId}/sign-in-identities",
  tags,
  summary: "The Google and Microsoft accounts a user signs in with",
  description:
    "Each was linked at the user's first sign-in with that provider (by verified email); later sign-ins match the account only, whatever its email says.",
  request: { params: UserParams },
  responses: {
    200: json(z.object({ identities: z.array(SignInIdentity) }), "The user's linked accounts"),
    ...errors({ 404: NOT_FOUND.user }),
  },
});

const unlink = createRoute({
  method: "delete",
  path: "/companies/{id}/users/{userId}/sign-in-identities/{provider}",
  tags,
  summary: "Unlink a user's Google or Microsoft account (after the account was replaced)",
  description:
    "The user's next sign-in with that provider links the account its verified email names, as a first sign-in does; until then another account of that provider is refused (`IDENTITY_MISMATCH`) no more. The user's open sessions of that provider end. Recorded on the user's timeline as `user.changed_by_admin` with `fields: [\"signInIdentities.{provider}\"]`. The user's number, extension and seat are untouched.",
  request: { params: UserParams.extend({ provider: Provider }) },
  responses: {
    204: { description: "Unlinked" },
    ...errors({
      404: `${NOT_FOUND.user}; SIGN_IN_IDENTITY_NOT_FOUND: the user has no account of that provider linked`,
    }),
  },
});

/** An admin's view of, and reset for, the accounts users are linked to for Google and Microsoft sign-in. */
export function signInIdentityRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const member = async (id: string, userId: string) => {
    if (!(await findTeamMember(deps.database, id, userId))) throw await userNotFound(deps.database, id, userId);
  };

  app.openapi(list, async (c) => {
    const { id, userId } = c.req.valid("param");
    await member(id, userId);
    const rows = await deps.database.sql<{ provider: "google" | "microsoft"; subject: string; created_at: string }[]>`
      select provider, subject, created_at from sign_in_identities
      where company_id = ${id} and user_id = ${userId} order by provider`;
    const identities = rows.map((r) => ({
      provider: r.provider,
      subject: r.subject,
      linkedAt: new Date(r.created_at).toISOString(),
    }));
    return c.json({ identities }, 200);
  });

  app.openapi(unlink, async (c) => {
    const { id, userId, provider } = c.req.valid("param");
    await member(id, userId);
    // One statement: the link, the sessions it opened, and the timeline's record go together.
    const [row] = await deps.database.sql<{ unlinked: number }[]>`
      with gone as (
        delete from sign_in_identities where company_id = ${id} and user_id = ${userId} and provider = ${provider}
        returning user_id
      ), sessions as (
        delete from auth_sessions where company_id = ${id} and user_id in (select user_id from gone) and method = ${provider}
      ), recorded as (
        insert into events (company_id, user_id, type, data)
        select ${id}, user_id, 'user.changed_by_admin', jsonb_build_object('fields', jsonb_build_array(${`signInIdentities.${provider}`}::text))
        from gone
      )
      select count(*)::int as unlinked from gone`;
    if (!row || row.unlinked === 0) {
      throw new AdminError("SIGN_IN_IDENTITY_NOT_FOUND", `User ${userId} has no ${provider} account linked`);
    }
    return c.body(null, 204);
  });

  return app;
}
