import type { Result, Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

/** A route whose path could match a request under /scim/: its first segment is `scim`, a parameter or a wildcard. */
function mayMatchScim(path: string): boolean {
  const first = path.split("/", 2)[1] ?? "";
  return first === "scim" || first === "" || first.startsWith(":") || first.includes("*");
}

/**
 * The app's router: SCIM requests are matched by a RegExpRouter holding only the routes that can
 * match them; every other request by a TrieRouter holding all routes.
 *
 * Hono's default (SmartRouter) picks one router for the whole app, and the RegExpRouter cannot hold
 * some of our other routes (Bull Board's, the API docs' assets), so everything fell back to the
 * TrieRouter, which allocates its result on every match (~3 KB a create at the door). The SCIM routes
 * alone fit the RegExpRouter, whose matches are precomputed. Should a SCIM route ever not fit, the
 * SCIM side falls back to a TrieRouter by itself (SmartRouter); `scimRouterName` tells which is in use.
 */
export class ScimFirstRouter<T> implements Router<T> {
  readonly name = "ScimFirstRouter";
  private readonly scim = new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] });
  private readonly rest = new TrieRouter<T>();

  add(method: string, path: string, handler: T): void {
    this.rest.add(method, path, handler);
    if (mayMatchScim(path)) this.scim.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    return path.startsWith("/scim/") ? this.scim.match(method, path) : this.rest.match(method, path);
  }

  /** The router the SCIM side settled on at its first match ("SmartRouter + RegExpRouter" when all fit). */
  get scimRouterName(): string {
    return this.scim.name;
  }
}
