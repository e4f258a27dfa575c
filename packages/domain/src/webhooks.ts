import ipaddr from "ipaddr.js";
import type { EventType } from "./events.ts";

/** A webhook URL longer than this is refused (it is stored, listed and sent on every delivery). */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/**
 * Whether a webhook may reach this address without WEBHOOKS_ALLOW_PRIVATE_TARGETS: public unicast
 * only. Loopback, private, link-local (cloud metadata), carrier-grade NAT, unique-local, multicast,
 * reserved, and IPv6 forms that embed an IPv4 address (mapped ones are judged as the IPv4 address)
 * are refused. Anything that is not an IP address is refused too.
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return false;
  return ipaddr.process(bare).range() === "unicast";
}

/** The URL parser writes every IPv4 host in four-part decimal (0x7f.1 → 127.0.0.1) and IPv6 in brackets. */
const isIpLiteral = (host: string) => host.startsWith("[") || ipaddr.IPv4.isValidFourPartDecimal(host);

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * A webhook target as given by an admin: an absolute https URL (http too when private targets are
 * allowed, for development), no credentials in it, and, when its host is an IP literal or a
 * localhost name, a public address. Host names are checked again at every delivery, once resolved.
 */
export function checkWebhookUrl(input: string, allowPrivate: boolean): WebhookUrlCheck {
  if (input.length > WEBHOOK_URL_MAX_LENGTH) {
    return { ok: false, reason: `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters` };
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: "must be an absolute URL" };
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    return { ok: false, reason: allowPrivate ? "must be an http or https URL" : "must be an https URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry a user name or password" };
  if (url.href.length > WEBHOOK_URL_MAX_LENGTH) {
    return { ok: false, reason: `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters` };
  }
  const host = url.hostname.toLowerCase();
  if (!allowPrivate) {
    if (isIpLiteral(host)) {
      if (!isPublicAddress(host)) {
        return { ok: false, reason: "must not target a private, loopback or link-local address" };
      }
    } else if (host === "localhost" || host.endsWith(".localhost") || !host.includes(".")) {
      // Single-label names resolve through the resolver's search domains: internal hosts.
      return { ok: false, reason: "must name a public host (a fully qualified domain name)" };
    }
  }
  return { ok: true, url: url.href };
}

/** Whether a webhook subscribed to these types (null: all) receives an event of this type. */
export const webhookWants = (filter: readonly EventType[] | null, type: string): boolean =>
  filter === null || (filter as readonly string[]).includes(type);

/** Exponential backoff of one delivery: `baseMs` doubling after each failed attempt, capped at `maxMs`. */
export type RetrySchedule = { baseMs: number; maxMs: number; attempts: number };

/**
 * The default: 35 attempts over about 25 h 25 min (5 s, 10 s, 20 s … 42 min 40 s, then 1 h 24 times),
 * so a receiver down for a day and a night still gets every event.
 */
export const DEFAULT_WEBHOOK_RETRY: RetrySchedule = { baseMs: 5_000, maxMs: 3_600_000, attempts: 35 };

/** How long to wait after `failedAttempts` failures before the next attempt; null once the schedule is spent. */
export function webhookRetryDelayMs(failedAttempts: number, schedule: RetrySchedule): number | null {
  if (failedAttempts < 1) return 0;
  if (failedAttempts >= schedule.attempts) return null;
  // 2 ** 40 already exceeds any cap; bounding the exponent keeps the arithmetic finite.
  return Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.min(failedAttempts - 1, 40));
}

/** From the first attempt to the last: what the schedule promises a receiver that is down. */
export function webhookRetrySpanMs(schedule: RetrySchedule): number {
  let total = 0;
  for (let n = 1; n < schedule.attempts; n++) total += webhookRetryDelayMs(n, schedule) ?? 0;
  return total;
}
