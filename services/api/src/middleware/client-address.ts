import type { Context } from "hono";

type NodeBindings = { incoming?: { socket?: { remoteAddress?: string } } };

/**
 * The client's address for per-address limits. Behind `trustedProxyHops` proxies (TRUST_PROXY_HOPS),
 * the entry that many from the right of X-Forwarded-For (what our own proxies saw; entries further
 * left are the client's to invent); else the socket's peer. "unknown" when neither is known.
 */
export function clientAddress(c: Context, trustedProxyHops: number): string {
  if (trustedProxyHops > 0) {
    const hops = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const entry = hops[hops.length - trustedProxyHops];
    if (entry) return entry.slice(0, 64);
  }
  const env = c.env as NodeBindings | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}
