import { describe, expect, test } from "vitest";
import {
  checkWebhookUrl,
  DEFAULT_WEBHOOK_RETRY,
  isPublicAddress,
  WEBHOOK_URL_MAX_LENGTH,
  webhookRetryDelayMs,
  webhookRetrySpanMs,
  webhookWants,
} from "./webhooks.ts";

describe("isPublicAddress: only public unicast addresses", () => {
  test.each([
    ["8.8.8.8", true],
    ["93.184.216.34", true],
    ["2606:4700:4700::1111", true],
    ["[2606:4700:4700::1111]", true],
    ["127.0.0.1", false],
    ["127.1.2.3", false],
    ["0.0.0.0", false],
    ["10.0.0.1", false],
    ["172.16.5.4", false],
    ["172.31.255.255", false],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["192.0.2.1", false],
    ["::1", false],
    ["[::1]", false],
    ["::", false],
    ["fe80::1", false],
    ["fd00::1", false],
    ["fc00::1", false],
    ["ff02::1", false],
    ["2001:db8::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["::ffff:8.8.8.8", true],
    ["64:ff9b::7f00:1", false],
    ["2002:7f00:1::", false],
    ["example.com", false],
    ["", false],
    ["127.0.0.1.nip.io", false],
  ])("%s → %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe("checkWebhookUrl without private targets", () => {
  const refused = (url: string, reason: RegExp) => {
    const check = checkWebhookUrl(url, false);
    expect(check.ok, url).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  };
  test.each([
    ["https://hooks.example.com/scimline", "https://hooks.example.com/scimline"],
    ["https://HOOKS.Example.com:8443/a?b=c", "https://hooks.example.com:8443/a?b=c"],
    ["https://8.8.8.8/hook", "https://8.8.8.8/hook"],
    ["https://[2606:4700:4700::1111]/hook", "https://[2606:4700:4700::1111]/hook"],
    ["https://xn--bcher-kva.example/h", "https://xn--bcher-kva.example/h"],
    ["https://bücher.example/h", "https://xn--bcher-kva.example/h"],
  ])("%s is accepted as %s", (url, stored) => {
    expect(checkWebhookUrl(url, false)).toEqual({ ok: true, url: stored });
  });
  test.each([
    ["http://hooks.example.com/", /https/],
    ["ftp://hooks.example.com/", /https/],
    ["javascript:alert(1)", /https/],
    ["file:///etc/passwd", /https/],
    ["hooks.example.com/x", /absolute URL/],
    ["", /absolute URL/],
    ["https://", /absolute URL/],
    ["https://user:pass@hooks.example.com/", /user name or password/],
    ["https://token@hooks.example.com/", /user name or password/],
    ["https://127.0.0.1/", /private, loopback or link-local/],
    ["https://2130706433/", /private, loopback or link-local/],
    ["https://0x7f.1/", /private, loopback or link-local/],
    ["https://0177.0.0.1/", /private, loopback or link-local/],
    ["https://10.1.2.3:8443/x", /private, loopback or link-local/],
    ["https://192.168.0.10/", /private, loopback or link-local/],
    ["https://169.254.169.254/latest/meta-data", /private, loopback or link-local/],
    ["https://[::1]/", /private, loopback or link-local/],
    ["https://[fe80::1]/", /private, loopback or link-local/],
    ["https://[::ffff:127.0.0.1]/", /private, loopback or link-local/],
    ["https://[fd12:3456::1]/", /private, loopback or link-local/],
    ["https://0.0.0.0/", /private, loopback or link-local/],
    ["https://localhost/", /public host/],
    ["https://LOCALHOST:3000/", /public host/],
    ["https://api.localhost/", /public host/],
    ["https://intranet/", /public host/],
    [`https://hooks.example.com/${"a".repeat(WEBHOOK_URL_MAX_LENGTH)}`, /at most 2048/],
  ])("%s is refused", (url, reason) => refused(url, reason));
});

describe("checkWebhookUrl with WEBHOOKS_ALLOW_PRIVATE_TARGETS", () => {
  test.each([
    ["http://127.0.0.1:4000/hook", "http://127.0.0.1:4000/hook"],
    ["http://localhost:4000/hook", "http://localhost:4000/hook"],
    ["https://10.1.2.3/", "https://10.1.2.3/"],
    ["http://[::1]:9/x", "http://[::1]:9/x"],
    ["http://receiver/x", "http://receiver/x"],
  ])("%s is accepted", (url, stored) => {
    expect(checkWebhookUrl(url, true)).toEqual({ ok: true, url: stored });
  });
  test.each([
    ["ftp://127.0.0.1/", /http or https/],
    ["http://u:p@127.0.0.1/", /user name or password/],
    ["not a url", /absolute URL/],
  ])("%s is still refused", (url, reason) => {
    const check = checkWebhookUrl(url, true);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});

describe("webhookWants: the event filter", () => {
  test.each([
    [null, "user.provisioned", true],
    [null, "capacity.seats_low", true],
    [["user.provisioned"], "user.provisioned", true],
    [["user.provisioned"], "user.failed", false],
    [["user.provisioned", "capacity.seats_low"], "capacity.seats_low", true],
    [[], "user.provisioned", false],
  ] as const)("%j wants %s → %s", (filter, type, expected) => {
    expect(webhookWants(filter, type)).toBe(expected);
  });
});

describe("the retry schedule", () => {
  test.each([
    [0, 0],
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [10, 2_560_000],
    [11, 3_600_000],
    [20, 3_600_000],
    [34, 3_600_000],
    [35, null],
    [36, null],
  ])("after %i failed attempts, wait %j ms", (failed, delay) => {
    expect(webhookRetryDelayMs(failed, DEFAULT_WEBHOOK_RETRY)).toBe(delay);
  });

  test("the default spans more than 24 hours: 25 h 25 min 15 s", () => {
    const span = webhookRetrySpanMs(DEFAULT_WEBHOOK_RETRY);
    expect(span).toBe(((25 * 60 + 25) * 60 + 15) * 1000);
    expect(span).toBeGreaterThan(24 * 3600 * 1000);
  });

  test.each([
    [{ baseMs: 50, maxMs: 200, attempts: 6 }, [50, 100, 200, 200, 200, null]],
    [{ baseMs: 1000, maxMs: 1000, attempts: 3 }, [1000, 1000, null]],
    [{ baseMs: 10, maxMs: 1e12, attempts: 200 }, [10, 20, 40, 80]],
    [{ baseMs: 5, maxMs: 100, attempts: 1 }, [null]],
  ])("%j → %j", (schedule, delays) => {
    expect(delays.map((_, i) => webhookRetryDelayMs(i + 1, schedule))).toEqual(delays);
  });

  test("huge attempt numbers stay finite and capped", () => {
    expect(webhookRetryDelayMs(1000, { baseMs: 10, maxMs: 7_200_000, attempts: 5000 })).toBe(7_200_000);
  });
});
